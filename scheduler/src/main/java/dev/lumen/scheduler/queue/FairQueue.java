package dev.lumen.scheduler.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The queued jobs of one worker pool, taken out fairly: tenants are served round-robin (one job
 * each per turn, so a tenant with a thousand queued jobs cannot starve one with a single job), and
 * within a tenant the highest priority first, then the oldest. Priority orders a tenant's own jobs
 * only: it comes from the request body, so letting it reorder tenants would let any client jump
 * everyone else's queue.
 *
 * <p>{@link #pollBatch} fills a batch with jobs of the head job's batch key, continuing the same
 * rotation, so a batch mixes tenants when several have compatible work. Not thread-safe: the
 * scheduler's loop thread owns it.
 */
public final class FairQueue {
    private static final Comparator<Entry> ORDER = Comparator.comparingInt(Entry::priority).reversed()
            .thenComparing(Entry::createdAt)
            .thenComparingLong(Entry::seq);

    private final Map<String, TreeSet<Entry>> byTenant = new HashMap<>();
    private final Map<String, Entry> byJob = new HashMap<>();
    /** Tenants with queued jobs, in serving order: the head is served next, then moves to the tail. */
    private final LinkedHashSet<String> rotation = new LinkedHashSet<>();
    private long seq;

    /** One queued job as the queue sees it. */
    public record Entry(String jobId, String tenant, int priority, Instant createdAt, String batchKey, long seq) {
    }

    /** Adds a job; adding one that is already queued does nothing. */
    public void add(String jobId, String tenant, int priority, Instant createdAt, String batchKey) {
        if (byJob.containsKey(jobId)) {
            return;
        }
        Entry entry = new Entry(jobId, tenant, priority, createdAt, batchKey, seq++);
        byJob.put(jobId, entry);
        byTenant.computeIfAbsent(tenant, t -> new TreeSet<>(ORDER)).add(entry);
        rotation.add(tenant);
    }

    /** Removes a job (cancelled, expired); returns whether it was queued. */
    public boolean remove(String jobId) {
        Entry entry = byJob.remove(jobId);
        if (entry == null) {
            return false;
        }
        TreeSet<Entry> jobs = byTenant.get(entry.tenant());
        jobs.remove(entry);
        if (jobs.isEmpty()) {
            byTenant.remove(entry.tenant());
            rotation.remove(entry.tenant());
        }
        return true;
    }

    public boolean isEmpty() {
        return byJob.isEmpty();
    }

    public int size() {
        return byJob.size();
    }

    /** Jobs of this tenant waiting in this queue (for the per-tenant quota). */
    public int size(String tenant) {
        TreeSet<Entry> jobs = byTenant.get(tenant);
        return jobs == null ? 0 : jobs.size();
    }

    public boolean contains(String jobId) {
        return byJob.containsKey(jobId);
    }

    /** Takes the next job, in rotation, that matches; the tenant served goes to the back. */
    public Optional<Entry> poll(Predicate<Entry> filter) {
        for (String tenant : List.copyOf(rotation)) {
            for (Entry entry : byTenant.get(tenant)) {
                if (filter.test(entry)) {
                    remove(entry.jobId());
                    if (byTenant.containsKey(tenant)) {
                        rotation.remove(tenant);
                        rotation.add(tenant);
                    }
                    return Optional.of(entry);
                }
            }
        }
        return Optional.empty();
    }

    /** Takes the next job and up to {@code maxSize - 1} more with the same batch key. */
    public List<Entry> pollBatch(int maxSize) {
        List<Entry> batch = new ArrayList<>();
        Optional<Entry> head = poll(e -> true);
        if (head.isEmpty()) {
            return batch;
        }
        batch.add(head.get());
        String key = head.get().batchKey();
        while (batch.size() < maxSize) {
            Optional<Entry> next = poll(e -> e.batchKey().equals(key));
            if (next.isEmpty()) {
                break;
            }
            batch.add(next.get());
        }
        return batch;
    }
}
