package dev.lumen.scheduler;

import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TaskMessage;
import dev.lumen.contracts.TaskMessage.TaskJob;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.observability.LogContext;
import dev.lumen.scheduler.jobs.Job;
import dev.lumen.scheduler.jobs.JobStateMachine;
import dev.lumen.scheduler.jobs.Transition;
import dev.lumen.scheduler.queue.FairQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's decisions without any I/O: given decoded inputs it updates the in-memory job
 * table, the per-pool fair queues and the in-flight tasks, and returns what must be published.
 * The Kafka loop ({@link Scheduler}) feeds it and publishes its {@link Output}s. Owned by one
 * thread.
 */
final class SchedulerCore {
    private static final Logger log = LoggerFactory.getLogger(SchedulerCore.class);
    /** A cancel for a job not seen yet (the control record overtook the submission) is kept this long. */
    private static final Duration PENDING_CANCEL_TTL = Duration.ofMinutes(5);

    /** Something to publish, in order. */
    sealed interface Output {
        record State(Job job) implements Output {
        }

        record Task(String pool, TaskMessage task) implements Output {
        }

        record Dead(DeadLetter letter) implements Output {
        }

        /** A finished job past its retention: a tombstone (null value) for its key on {@code lumen.job-state}. */
        record Tombstone(String jobId) implements Output {
        }
    }

    /** Told about the job-level events metrics are made of; called on the loop thread. */
    interface Observer {
        Observer NONE = new Observer() {
        };

        /** The job was dispatched to {@code pool} (queued → running). */
        default void dispatched(Job job, String pool, Instant now) {
        }

        /** The job reached a terminal state. */
        default void finished(Job job, String pool, Instant now) {
        }

        /** The finished job was kept for the retention period and is now tombstoned and forgotten. */
        default void purged(Job job, Instant now) {
        }
    }

    /** When a finished job's retention ends: its last update plus the retention. */
    private record Purge(Instant at, String jobId) {
    }

    /** How many active jobs share a pool, model, priority and phase ({@code queued} or {@code running}). */
    record ActiveKey(String phase, String pool, String model, int priority) {
    }

    private final SchedulerConfig config;
    private final JobStateMachine machine;
    private final Clock clock;
    private Observer observer = Observer.NONE;
    private final Map<String, Job> jobs = new HashMap<>();
    /** Ids of jobs not yet terminal: the only ones timers need to look at. */
    private final Set<String> active = new LinkedHashSet<>();
    private final Map<String, FairQueue> queues = new TreeMap<>();
    /** pool → task id → its jobs still running. */
    private final Map<String, Map<String, Set<String>>> inFlight = new HashMap<>();
    private final Map<String, Instant> pendingCancels = new LinkedHashMap<>();
    /**
     * Finished jobs by the end of their retention, soonest first, so a turn looks only at the head.
     * An entry whose job was forgotten or replaced since is skipped when it comes up.
     */
    private final PriorityQueue<Purge> purges = new PriorityQueue<>(Comparator.comparing(Purge::at));

    SchedulerCore(SchedulerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.machine = new JobStateMachine(config.maxAttempts(), config.cancelTimeout());
    }

    void observer(Observer value) {
        this.observer = value;
    }

    /** Active jobs counted by phase, pool, model and priority (for the queue-depth gauges). */
    Map<ActiveKey, Long> activeCounts() {
        Map<ActiveKey, Long> counts = new HashMap<>();
        for (String id : active) {
            Job job = jobs.get(id);
            String phase = switch (job.status()) {
                case ACCEPTED, QUEUED -> "queued";
                case RUNNING -> "running";
                default -> null;
            };
            if (phase != null) {
                counts.merge(new ActiveKey(phase, poolOf(job), job.spec().model(), job.spec().priority()), 1L, Long::sum);
            }
        }
        return counts;
    }

    private String poolOf(Job job) {
        return config.poolFor(job.spec().model()).orElse("none");
    }

    Optional<Job> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    int activeJobs() {
        return active.size();
    }

    /** Jobs held in memory, finished ones within their retention included. */
    int knownJobs() {
        return jobs.size();
    }

    /** A job read back from {@code lumen.job-state} at start or after a rebalance. */
    void restore(Job job) {
        if (jobs.containsKey(job.id())) {
            forget(id -> id.equals(job.id()));
        }
        jobs.put(job.id(), job);
        if (job.status().terminal()) {
            // One already past its retention is tombstoned by the next tick.
            purges.add(purgeOf(job));
            return;
        }
        active.add(job.id());
        switch (job.status()) {
            case ACCEPTED, QUEUED -> enqueue(job);
            case RUNNING -> config.poolFor(job.spec().model()).ifPresent(pool -> inFlight
                    .computeIfAbsent(pool, p -> new HashMap<>())
                    .computeIfAbsent(job.taskId() != null ? job.taskId() : "restored-" + job.id(), t -> new LinkedHashSet<>())
                    .add(job.id()));
            default -> { }
        }
    }

    /** Drops jobs this instance no longer owns (their partitions moved to another instance). */
    void forget(Predicate<String> jobIds) {
        List<String> gone = jobs.keySet().stream().filter(jobIds).toList();
        for (String id : gone) {
            jobs.remove(id);
            active.remove(id);
            queues.values().forEach(q -> q.remove(id));
            inFlight.values().forEach(tasks -> tasks.values().forEach(ids -> ids.remove(id)));
        }
        inFlight.values().forEach(tasks -> tasks.values().removeIf(Set::isEmpty));
        if (!gone.isEmpty()) {
            Set<String> goneIds = Set.copyOf(gone);
            purges.removeIf(p -> goneIds.contains(p.jobId()));
        }
    }

    List<Output> submitted(JobSubmitted submitted) {
        List<Output> out = new ArrayList<>();
        if (jobs.containsKey(submitted.jobId())) {
            log.atDebug().addKeyValue("jobId", submitted.jobId()).log("submission replayed; ignored");
            return out;
        }
        Instant now = clock.instant();
        if (submitted.submittedAt() != null && !submitted.submittedAt().plus(config.jobRetention()).isAfter(now)) {
            // A job submitted longer ago than the retention is finished and may have been forgotten
            // already: this is a re-read record (offsets reset or expired), and accepting it would
            // bring the job back. Had it never run, its deadline would have passed long ago anyway.
            log.atInfo().addKeyValue("jobId", submitted.jobId()).addKeyValue("submittedAt", submitted.submittedAt())
                    .addKeyValue("retention", config.jobRetention()).log("submission older than the job retention; ignored");
            return out;
        }
        Instant deadline = submitted.deadline() != null ? submitted.deadline()
                : (submitted.submittedAt() != null ? submitted.submittedAt() : now).plus(config.defaultJobTimeout());
        Job job = machine.accept(submitted, deadline, now);
        jobs.put(job.id(), job);
        active.add(job.id());
        Optional<String> pool = config.poolFor(job.spec().model());
        Transition admitted;
        if (pool.isEmpty()) {
            String reason = "no worker pool serves model " + job.spec().model();
            admitted = machine.reject(job, new ErrorInfo("model_not_served", reason, false), reason, now);
        } else if (queuedOf(job.tenant()) >= config.maxQueuedPerTenant()) {
            admitted = machine.reject(job, new ErrorInfo("queue_quota_exceeded",
                    "tenant " + job.tenant() + " already has " + config.maxQueuedPerTenant() + " queued jobs", false), null, now);
        } else if (pendingCancels.remove(job.id()) != null) {
            admitted = machine.requestCancel(job, now);
        } else {
            admitted = machine.queue(job, now);
        }
        apply(admitted, out, config.topics().jobs(), () -> Messages.json().writeValueAsString(submitted));
        return out;
    }

    List<Output> workerEvent(WorkerEvent event) {
        List<Output> out = new ArrayList<>();
        Job job = jobs.get(event.jobId());
        if (job == null) {
            log.atDebug().addKeyValue("jobId", event.jobId()).addKeyValue("event", event.type().wire())
                    .log("event for a job this instance does not own; ignored");
            return out;
        }
        Transition t = machine.onWorkerEvent(job, event, clock.instant());
        if (!t.changed()) {
            log.atDebug().addKeyValue("jobId", job.id()).addKeyValue("event", event.type().wire())
                    .addKeyValue("taskId", event.taskId()).log("event changes nothing (replayed, stale or late); ignored");
        }
        apply(t, out, config.topics().events(), () -> Messages.json().writeValueAsString(event));
        return out;
    }

    List<Output> control(ControlMessage message) {
        List<Output> out = new ArrayList<>();
        Instant now = clock.instant();
        Job job = jobs.get(message.jobId());
        if (job == null) {
            pendingCancels.put(message.jobId(), now);
            return out;
        }
        apply(machine.requestCancel(job, now), out, config.topics().control(), () -> null);
        return out;
    }

    /** A record that could not be read: it goes to the dead-letter topic with the reason. */
    List<Output> poison(String topic, String key, String reason, String payload) {
        log.atWarn().addKeyValue("jobId", key).addKeyValue("topic", topic).addKeyValue("reason", reason)
                .log("unreadable record dead-lettered");
        return List.of(new Output.Dead(new DeadLetter(topic, key, reason, 1, payload, clock.instant())));
    }

    /** Timers, then dispatch, then finished jobs past their retention: run once per loop turn. */
    List<Output> tick() {
        List<Output> out = new ArrayList<>();
        Instant now = clock.instant();
        for (String id : List.copyOf(active)) {
            apply(machine.onTimers(jobs.get(id), now), out, null, () -> null);
        }
        pendingCancels.values().removeIf(at -> at.plus(PENDING_CANCEL_TTL).isBefore(now));
        dispatch(now, out);
        purge(now, out);
        return out;
    }

    /**
     * Forgets finished jobs whose last update is at least the retention old, each with a tombstone
     * so compaction drops its record and no restart replays it. Only terminal jobs are ever queued
     * here, and a terminal job never changes again, so an active job is never removed.
     */
    private void purge(Instant now, List<Output> out) {
        while (!purges.isEmpty() && !purges.peek().at().isAfter(now)) {
            Purge due = purges.poll();
            Job job = jobs.get(due.jobId());
            if (job == null || !job.status().terminal() || !purgeOf(job).equals(due)) {
                continue;
            }
            jobs.remove(job.id());
            out.add(new Output.Tombstone(job.id()));
            observer.purged(job, now);
            try (LogContext l = LogContext.job(job.id())) {
                log.atInfo().addKeyValue("jobId", job.id()).addKeyValue("tenant", job.tenant())
                        .addKeyValue("status", job.status().wire()).addKeyValue("updatedAt", job.state().updatedAt())
                        .log("finished job past its retention; tombstoned and forgotten");
            }
        }
    }

    private Purge purgeOf(Job job) {
        return new Purge(job.state().updatedAt().plus(config.jobRetention()), job.id());
    }

    private void dispatch(Instant now, List<Output> out) {
        for (var entry : queues.entrySet()) {
            String pool = entry.getKey();
            FairQueue queue = entry.getValue();
            Map<String, Set<String>> tasks = inFlight.computeIfAbsent(pool, p -> new HashMap<>());
            while (!queue.isEmpty() && tasks.size() < config.maxInFlightTasksPerPool()) {
                List<FairQueue.Entry> batch = queue.pollBatch(config.maxBatchSize());
                String taskId = UUID.randomUUID().toString();
                List<Transition> moves = batch.stream().map(e -> machine.dispatch(jobs.get(e.jobId()), taskId, now)).toList();
                List<TaskJob> taskJobs = moves.stream().map(Transition::after)
                        .map(j -> new TaskJob(j.id(), j.tenant(), j.spec())).toList();
                int attempt = moves.stream().mapToInt(m -> m.after().state().attempts()).max().orElse(1);
                Instant deadline = moves.stream().map(m -> m.after().deadline()).min(Instant::compareTo).orElseThrow();
                tasks.put(taskId, new LinkedHashSet<>(taskJobs.stream().map(TaskJob::jobId).toList()));
                out.add(new Output.Task(pool, new TaskMessage(taskId, pool, taskJobs, attempt, deadline, null)));
                try (LogContext l = LogContext.job(taskJobs.getFirst().jobId())) {
                    log.atInfo().addKeyValue("taskId", taskId).addKeyValue("pool", pool)
                            .addKeyValue("jobs", taskJobs.stream().map(TaskJob::jobId).toList())
                            .addKeyValue("attempt", attempt).log("task dispatched");
                }
                moves.forEach(m -> apply(m, out, null, () -> null));
            }
        }
    }

    private void apply(Transition t, List<Output> out, String sourceTopic, Supplier<String> payload) {
        if (!t.changed()) {
            return;
        }
        try (LogContext l = LogContext.job(t.after().id())) {
            applyChanged(t, out, sourceTopic, payload);
        }
    }

    private void applyChanged(Transition t, List<Output> out, String sourceTopic, Supplier<String> payload) {
        Job before = t.before();
        Job after = t.after();
        jobs.put(after.id(), after);
        if (before.status() != after.status()) {
            if (before.status() == JobStatus.QUEUED) {
                queues.values().forEach(q -> q.remove(after.id()));
            }
            if (after.status() == JobStatus.QUEUED) {
                enqueue(after);
            }
            if (before.status() == JobStatus.RUNNING) {
                releaseSlot(before);
            }
            if (after.status().terminal()) {
                active.remove(after.id());
                purges.add(purgeOf(after));
                observer.finished(after, poolOf(after), clock.instant());
            } else if (before.status() == JobStatus.QUEUED && after.status() == JobStatus.RUNNING) {
                observer.dispatched(after, poolOf(after), clock.instant());
            }
            var event = log.atInfo().addKeyValue("jobId", after.id()).addKeyValue("tenant", after.tenant())
                    .addKeyValue("from", before.status().wire()).addKeyValue("to", after.status().wire())
                    .addKeyValue("attempts", after.state().attempts());
            if (after.state().error() != null) {
                event = event.addKeyValue("error", after.state().error().code());
            }
            event.log("job state changed");
        }
        out.add(new Output.State(after));
        if (t.deadLetterReason() != null) {
            out.add(new Output.Dead(new DeadLetter(sourceTopic, after.id(), t.deadLetterReason(),
                    after.state().attempts(), payload.get(), clock.instant())));
        }
    }

    private void enqueue(Job job) {
        config.poolFor(job.spec().model()).ifPresent(pool -> queues.computeIfAbsent(pool, p -> new FairQueue())
                .add(job.id(), job.tenant(), job.spec().priority(), job.state().createdAt(), job.spec().batchKey()));
    }

    private void releaseSlot(Job job) {
        for (Map<String, Set<String>> tasks : inFlight.values()) {
            String taskKey = job.taskId() != null ? job.taskId() : "restored-" + job.id();
            Set<String> ids = tasks.get(taskKey);
            if (ids != null) {
                ids.remove(job.id());
                if (ids.isEmpty()) {
                    tasks.remove(taskKey);
                }
            }
        }
    }

    private int queuedOf(String tenant) {
        return queues.values().stream().mapToInt(q -> q.size(tenant)).sum();
    }
}
