package dev.lumen.gateway.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.stereotype.Component;

/**
 * A token bucket per API key for submissions: {@code burst} tokens, refilled at
 * {@code ratePerSecond}. In memory and per gateway instance, so N gateways allow up to N times the
 * rate; good enough to shed abuse, and needs no shared store.
 */
@Component
public class RateLimiter {
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    public RateLimiter() {
        this(System::nanoTime);
    }

    RateLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Takes a token for {@code key}; returns {@code null} if one was available, else how long until one is. */
    public Duration tryAcquire(ApiKey key) {
        Bucket bucket = buckets.computeIfAbsent(key.name(), n -> new Bucket(key.burst(), nanoTime.getAsLong()));
        return bucket.take(key.ratePerSecond(), key.burst(), nanoTime.getAsLong());
    }

    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.refilledAt = now;
        }

        synchronized Duration take(double rate, int burst, long now) {
            tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return null;
            }
            if (rate <= 0) {
                return Duration.ofHours(1);
            }
            return Duration.ofNanos((long) Math.ceil((1 - tokens) / rate * 1e9));
        }
    }
}
