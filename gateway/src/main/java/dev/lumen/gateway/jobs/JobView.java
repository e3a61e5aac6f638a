package dev.lumen.gateway.jobs;

import dev.lumen.contracts.JobState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's in-memory table of job states: the compacted {@code lumen.job-state} topic as
 * materialised by {@link JobStateConsumer}, plus a provisional {@code accepted} state for a job this
 * gateway has just submitted and the scheduler has not described yet. A scheduler state always
 * replaces a provisional one, never the reverse. Watchers ({@link #watch}) get the current state
 * and then every change, with no gap: registration and updates take the same lock. A tombstone
 * (the scheduler forgot the job after its retention, ADR 0016) removes the job: reads answer 404,
 * lists skip it, its watchers' streams end and removal listeners (the quota) let go of it.
 */
@Component
public class JobView {
    private final Object lock = new Object();
    private final Map<String, JobState> states = new HashMap<>();
    private final Map<String, List<Sinks.Many<JobState>>> watchers = new HashMap<>();
    private final List<Consumer<JobState>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> removalListeners = new CopyOnWriteArrayList<>();

    /** The job's latest known state. */
    public Optional<JobState> get(String jobId) {
        synchronized (lock) {
            return Optional.ofNullable(states.get(jobId));
        }
    }

    /** Newest first: by creation time, then by id so that jobs created in the same instant keep one order. */
    static final Comparator<JobState> NEWEST_FIRST =
            Comparator.comparing(JobState::createdAt).thenComparing(JobState::jobId).reversed();

    /**
     * The tenant's {@code limit} newest jobs, newest first. One pass over the table with a heap of
     * {@code limit} entries: O(jobs) per page, like the table's memory. A per-tenant index is the
     * next step if a gateway's table grows to where a scan under the lock shows.
     */
    public List<JobState> recent(String tenant, int limit) {
        PriorityQueue<JobState> newest = new PriorityQueue<>(limit + 1, NEWEST_FIRST.reversed());
        synchronized (lock) {
            for (JobState s : states.values()) {
                if (s.tenant().equals(tenant)) {
                    newest.add(s);
                    if (newest.size() > limit) {
                        newest.poll();
                    }
                }
            }
        }
        List<JobState> page = new ArrayList<>(newest);
        page.sort(NEWEST_FIRST);
        return page;
    }

    /** Calls {@code listener} (on the consumer's thread) with every state the scheduler publishes. */
    public void addListener(Consumer<JobState> listener) {
        listeners.add(listener);
    }

    /** Calls {@code listener} (on the consumer's thread) with the id of every job a tombstone removes. */
    public void addRemovalListener(Consumer<String> listener) {
        removalListeners.add(listener);
    }

    /** Stores a provisional state if the job is unknown; returns the state that is now current. */
    JobState putProvisional(JobState provisional) {
        synchronized (lock) {
            JobState current = states.putIfAbsent(provisional.jobId(), provisional);
            if (current != null) {
                return current;
            }
            emit(provisional);
            return provisional;
        }
    }

    /** Forgets a provisional state whose submission failed, unless the scheduler has written one since. */
    void removeProvisional(JobState provisional) {
        synchronized (lock) {
            states.remove(provisional.jobId(), provisional);
        }
    }

    /** Applies a record of {@code lumen.job-state}: a state, or a tombstone ({@code null}) that drops the job. */
    void apply(String jobId, JobState state) {
        if (state == null) {
            remove(jobId);
            return;
        }
        synchronized (lock) {
            states.put(jobId, state);
            emit(state);
        }
        listeners.forEach(l -> l.accept(state));
    }

    private void remove(String jobId) {
        synchronized (lock) {
            states.remove(jobId);
            // Normally a watcher saw the terminal state and left; one still here (compaction kept
            // only the tombstone) would otherwise wait forever on a job that no longer exists.
            List<Sinks.Many<JobState>> list = watchers.remove(jobId);
            if (list != null) {
                list.forEach(Sinks.Many::tryEmitComplete);
            }
        }
        removalListeners.forEach(l -> l.accept(jobId));
    }

    /**
     * The job's current state (if any) followed by every later one, until the subscriber cancels
     * or a tombstone removes the job (then the flux completes).
     * Delivered on the parallel scheduler, so a slow client never holds up the consumer thread.
     */
    public Flux<JobState> watch(String jobId) {
        Sinks.Many<JobState> sink = Sinks.many().unicast().onBackpressureBuffer();
        synchronized (lock) {
            JobState current = states.get(jobId);
            if (current != null) {
                sink.tryEmitNext(current);
            }
            watchers.computeIfAbsent(jobId, id -> new ArrayList<>()).add(sink);
        }
        return sink.asFlux()
                .doFinally(signal -> {
                    synchronized (lock) {
                        List<Sinks.Many<JobState>> list = watchers.get(jobId);
                        if (list != null) {
                            list.remove(sink);
                            if (list.isEmpty()) {
                                watchers.remove(jobId);
                            }
                        }
                    }
                })
                .publishOn(Schedulers.parallel());
    }

    /** Number of jobs held; for the gauge. */
    /** How many jobs of the view are in {@code status} now (for the per-status gauges). */
    public long count(dev.lumen.contracts.JobStatus status) {
        synchronized (lock) {
            return states.values().stream().filter(s -> s.status() == status).count();
        }
    }

    public int size() {
        synchronized (lock) {
            return states.size();
        }
    }

    private void emit(JobState state) {
        List<Sinks.Many<JobState>> list = watchers.get(state.jobId());
        if (list != null) {
            list.forEach(sink -> sink.tryEmitNext(state));
        }
    }
}
