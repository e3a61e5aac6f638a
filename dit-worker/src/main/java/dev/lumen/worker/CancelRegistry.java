package dev.lumen.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Job ids a cancel has been seen for. Written by the control thread, read by the engine thread
 * between denoising steps, hence a concurrent map. Entries are forgotten after a day: a cancel
 * older than that concerns a job that has ended one way or another.
 */
final class CancelRegistry {
    private static final Duration KEEP = Duration.ofDays(1);
    private static final int PURGE_EVERY = 1024;

    private final ConcurrentHashMap<String, Instant> cancelled = new ConcurrentHashMap<>();
    private final Clock clock;
    private int sinceLastPurge;

    CancelRegistry(Clock clock) {
        this.clock = clock;
    }

    void cancel(String jobId) {
        cancelled.put(jobId, clock.instant());
        // Called on the control thread only, so the counter needs no synchronisation.
        if (++sinceLastPurge >= PURGE_EVERY) {
            sinceLastPurge = 0;
            Instant oldest = clock.instant().minus(KEEP);
            cancelled.values().removeIf(at -> at.isBefore(oldest));
        }
    }

    boolean isCancelled(String jobId) {
        return cancelled.containsKey(jobId);
    }
}
