package dev.lumen.gateway.jobs;

import dev.lumen.gateway.auth.ApiKey;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Counts the non-terminal jobs each API key submitted through this gateway, for the per-key queue
 * quota. A slot is taken before publishing and freed when the scheduler reports the job terminal
 * (or the publish fails, or a tombstone removes the job: compaction may have dropped its terminal
 * state before a lagging gateway read it). Per instance and in memory: jobs submitted before a restart do not
 * count; the scheduler's per-tenant quota still bounds them (ADR 0004).
 */
@Component
public class QuotaTracker {
    private final Map<String, Set<String>> activeByKey = new ConcurrentHashMap<>();
    private final Map<String, String> keyByJob = new ConcurrentHashMap<>();

    public QuotaTracker(JobView view) {
        view.addListener(state -> {
            if (state.status().terminal()) {
                release(state.jobId());
            }
        });
        view.addRemovalListener(this::release);
    }

    /** Takes a slot for {@code jobId}; {@code false} if the key already has its maximum of active jobs. */
    boolean reserve(ApiKey key, String jobId) {
        Set<String> active = activeByKey.computeIfAbsent(key.name(), k -> new HashSet<>());
        synchronized (active) {
            if (active.contains(jobId)) {
                return true;
            }
            if (active.size() >= key.maxActiveJobs()) {
                return false;
            }
            active.add(jobId);
            keyByJob.put(jobId, key.name());
            return true;
        }
    }

    /** Frees the job's slot, if it holds one. */
    void release(String jobId) {
        String keyName = keyByJob.remove(jobId);
        if (keyName == null) {
            return;
        }
        Set<String> active = activeByKey.get(keyName);
        if (active != null) {
            synchronized (active) {
                active.remove(jobId);
            }
        }
    }

    /** Active jobs of the key; for tests and diagnostics. */
    int active(String keyName) {
        Set<String> active = activeByKey.get(keyName);
        if (active == null) {
            return 0;
        }
        synchronized (active) {
            return active.size();
        }
    }
}
