package dev.lumen.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.gateway.GatewayProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.env.MockEnvironment;

/** The no-auth guard, key configuration checks, the token bucket and the key tool, without a server. */
class ApiKeyFilterTest {

    static GatewayProperties properties(Map<String, String> extra) {
        Map<String, String> map = new HashMap<>(Map.of("lumen.gateway.models[0].name", "m", "lumen.gateway.models[0].pool", "p"));
        map.putAll(extra);
        return new Binder(new MapConfigurationPropertySource(map)).bind("lumen.gateway", GatewayProperties.class).get();
    }

    @Test
    void noAuthStartsOnlyOnLoopback() {
        GatewayProperties noAuth = properties(Map.of("lumen.gateway.auth.no-auth", "true"));
        assertThatThrownBy(() -> new ApiKeyFilter(noAuth, new MockEnvironment()))
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> new ApiKeyFilter(noAuth, new MockEnvironment().withProperty("server.address", "0.0.0.0")))
                .hasMessageContaining("loopback");
        new ApiKeyFilter(noAuth, new MockEnvironment().withProperty("server.address", "127.0.0.1"));
    }

    @Test
    void defaultsAreTheDocumentedLimits() {
        GatewayProperties p = properties(Map.of());
        assertThat(p.limits().maxPromptChars()).isEqualTo(2000);
        assertThat(p.limits().maxImages()).isEqualTo(4);
        assertThat(p.limits().maxBodyBytes()).isEqualTo(65536);
        assertThat(p.limits().maxSeed()).isEqualTo(1L << 53);
        assertThat(p.storage().urlTtl()).isEqualTo(Duration.ofMinutes(60));
        assertThat(p.defaultModel().defaultWidth()).isEqualTo(512);
    }

    @Test
    void urlsShorterThanAnHourAreRefused() {
        assertThatThrownBy(() -> properties(Map.of("lumen.gateway.storage.url-ttl", "10m")))
                .hasStackTraceContaining("url-ttl must be at least 60m");
    }

    @Test
    void tokenBucketRefillsAtItsRate() {
        long[] now = {0};
        RateLimiter limiter = new RateLimiter(() -> now[0]);
        ApiKey key = new ApiKey("k", "t", 2, 2, 10);
        assertThat(limiter.tryAcquire(key)).isNull();
        assertThat(limiter.tryAcquire(key)).isNull();
        assertThat(limiter.tryAcquire(key)).isEqualTo(Duration.ofMillis(500));
        now[0] = Duration.ofMillis(500).toNanos();
        assertThat(limiter.tryAcquire(key)).isNull();
    }

    @Test
    void toolPrintsTheHashNotJustTheKey() {
        String text = ApiKeyTool.render("ci", "tenant-a", "secret", false);
        assertThat(text).contains("sha256: " + ApiKeyHashes.sha256("secret")).doesNotContain("secret\n");
        assertThat(ApiKeyHashes.newKey()).startsWith("lmn_").hasSize(4 + 43);
    }
}
