package dev.lumen.scheduler.jobs;

import static dev.lumen.contracts.JobStatus.ACCEPTED;
import static dev.lumen.contracts.JobStatus.CANCELLED;
import static dev.lumen.contracts.JobStatus.EXPIRED;
import static dev.lumen.contracts.JobStatus.FAILED;
import static dev.lumen.contracts.JobStatus.QUEUED;
import static dev.lumen.contracts.JobStatus.RUNNING;
import static dev.lumen.contracts.JobStatus.SUCCEEDED;

import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.WorkerEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The job life cycle, as pure functions from (job, input, now) to a {@link Transition}: accepted →
 * queued → running → succeeded | failed | cancelled | expired, plus running → queued when a
 * retryable failure is retried. Every input is idempotent, because delivery is at least once: a
 * replayed submission, a repeated or out-of-order progress report, an event from an earlier
 * attempt's task, or anything arriving after a terminal state changes nothing. Illegal moves are
 * programming errors and throw.
 */
public final class JobStateMachine {
    private static final Map<JobStatus, Set<JobStatus>> ALLOWED = Map.of(
            ACCEPTED, EnumSet.of(QUEUED, FAILED, CANCELLED, EXPIRED),
            QUEUED, EnumSet.of(RUNNING, FAILED, CANCELLED, EXPIRED),
            RUNNING, EnumSet.of(QUEUED, SUCCEEDED, FAILED, CANCELLED, EXPIRED),
            SUCCEEDED, EnumSet.noneOf(JobStatus.class),
            FAILED, EnumSet.noneOf(JobStatus.class),
            CANCELLED, EnumSet.noneOf(JobStatus.class),
            EXPIRED, EnumSet.noneOf(JobStatus.class));

    private final int maxAttempts;
    private final Duration cancelTimeout;

    /**
     * @param maxAttempts dispatches a job may get in all (1 = never retried)
     * @param cancelTimeout how long a running job waits for its worker to confirm a cancel
     *                      before it is declared cancelled anyway
     */
    public JobStateMachine(int maxAttempts, Duration cancelTimeout) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, not " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.cancelTimeout = Objects.requireNonNull(cancelTimeout, "cancelTimeout");
    }

    public static boolean allowed(JobStatus from, JobStatus to) {
        return ALLOWED.get(from).contains(to);
    }

    /** A newly submitted job, in state accepted; {@code deadline} is the job's or the default. */
    public Job accept(JobSubmitted submitted, Instant deadline, Instant now) {
        JobState state = new JobState(JobState.SCHEMA, submitted.jobId(), submitted.tenant(), ACCEPTED,
                submitted.spec(), submitted.submittedAt() != null ? submitted.submittedAt() : now, now,
                0, null, null, null, null, null, null);
        return new Job(state, deadline, null, null);
    }

    /** Admission passed: the job waits for dispatch. */
    public Transition queue(Job job, Instant now) {
        if (job.status() != ACCEPTED) {
            return Transition.none(job);
        }
        return move(job, QUEUED, now, new Draft(job.state()), null, null, null);
    }

    /**
     * Admission refused (quota, no pool for the model): the job fails without running.
     * {@code deadLetterReason} is set when the job itself is at fault rather than the load.
     */
    public Transition reject(Job job, ErrorInfo error, String deadLetterReason, Instant now) {
        if (job.status() != ACCEPTED && job.status() != QUEUED) {
            return Transition.none(job);
        }
        Draft d = new Draft(job.state());
        d.error = error;
        return move(job, FAILED, now, d, null, null, deadLetterReason);
    }

    /** The job leaves the queue in task {@code taskId}; this is its next attempt. */
    public Transition dispatch(Job job, String taskId, Instant now) {
        if (job.status() != QUEUED) {
            return Transition.none(job);
        }
        Draft d = new Draft(job.state());
        d.attempts = job.state().attempts() + 1;
        d.step = null;
        d.steps = null;
        d.previewPng = null;
        return move(job, RUNNING, now, d, Objects.requireNonNull(taskId, "taskId"), null, null);
    }

    /** A worker's report. Applies only to a running job, and only from the task it runs in now. */
    public Transition onWorkerEvent(Job job, WorkerEvent event, Instant now) {
        if (job.status() != RUNNING || !fromCurrentTask(job, event)) {
            return Transition.none(job);
        }
        JobState s = job.state();
        Draft d = new Draft(s);
        return switch (event.type()) {
            case STARTED -> {
                if (s.step() != null) {
                    yield Transition.none(job);
                }
                d.step = 0;
                d.steps = event.steps() != null ? event.steps() : s.spec().steps();
                yield update(job, d, now);
            }
            case PROGRESS -> {
                if (event.step() == null || (s.step() != null && event.step() <= s.step())) {
                    yield Transition.none(job);
                }
                d.step = event.step();
                d.steps = event.steps() != null ? event.steps() : s.steps();
                d.previewPng = event.previewPng();
                yield update(job, d, now);
            }
            case COMPLETED -> {
                d.images = event.images() != null ? List.copyOf(event.images()) : List.of();
                d.engineMs = event.engineMs();
                d.density = event.density();
                d.step = s.steps() != null ? s.steps() : s.spec().steps();
                d.steps = d.step;
                d.previewPng = null;
                d.error = null;
                yield move(job, SUCCEEDED, now, d, null, null, null);
            }
            case FAILED -> failed(job, d, event.error(), now);
            case CANCELLED -> move(job, CANCELLED, now, d, null, null, null);
        };
    }

    /**
     * A cancellation. Not yet dispatched: cancelled at once. Running: remembered, and the job
     * stays running until its worker confirms or {@link #onTimers} declares it after the timeout.
     */
    public Transition requestCancel(Job job, Instant now) {
        return switch (job.status()) {
            case ACCEPTED, QUEUED -> move(job, CANCELLED, now, new Draft(job.state()), null, null, null);
            case RUNNING -> job.cancelRequestedAt() != null
                    ? Transition.none(job)
                    : new Transition(job, new Job(job.state(), job.deadline(), job.taskId(), now), null);
            default -> Transition.none(job);
        };
    }

    /** Time-driven moves: past the deadline → expired; cancel unconfirmed past the timeout → cancelled. */
    public Transition onTimers(Job job, Instant now) {
        if (job.status().terminal()) {
            return Transition.none(job);
        }
        if (!now.isBefore(job.deadline())) {
            Draft d = new Draft(job.state());
            d.error = new ErrorInfo("deadline_exceeded", "the job did not finish before its deadline " + job.deadline(), false);
            return move(job, EXPIRED, now, d, null, null, null);
        }
        if (job.cancelRequestedAt() != null && !now.isBefore(job.cancelRequestedAt().plus(cancelTimeout))) {
            return move(job, CANCELLED, now, new Draft(job.state()), null, null, null);
        }
        return Transition.none(job);
    }

    private Transition failed(Job job, Draft d, ErrorInfo reported, Instant now) {
        ErrorInfo error = reported != null ? reported : new ErrorInfo("unknown", "the worker reported a failure without details", false);
        d.error = error;
        int attempts = job.state().attempts();
        if (error.retryable() && attempts < maxAttempts && job.cancelRequestedAt() == null) {
            d.step = null;
            d.steps = null;
            d.previewPng = null;
            return move(job, QUEUED, now, d, null, null, null);
        }
        String reason = error.retryable()
                ? "retry limit reached after " + attempts + " attempt(s): " + error.code() + ": " + error.message()
                : "non-retryable failure: " + error.code() + ": " + error.message();
        return move(job, FAILED, now, d, null, null, job.cancelRequestedAt() == null ? reason : null);
    }

    private static boolean fromCurrentTask(Job job, WorkerEvent event) {
        return job.taskId() == null || event.taskId() == null || job.taskId().equals(event.taskId());
    }

    private static Transition update(Job job, Draft d, Instant now) {
        d.updatedAt = now;
        return new Transition(job, new Job(d.build(job.status()), job.deadline(), job.taskId(), job.cancelRequestedAt()), null);
    }

    private static Transition move(Job job, JobStatus to, Instant now, Draft d, String taskId, Instant cancelRequestedAt,
                                   String deadLetterReason) {
        if (!allowed(job.status(), to)) {
            throw new IllegalStateException("job " + job.id() + ": " + job.status().wire() + " → " + to.wire() + " is not allowed");
        }
        d.updatedAt = now;
        Job after = new Job(d.build(to), job.deadline(), taskId, cancelRequestedAt);
        return new Transition(job, after, deadLetterReason);
    }

    /** A mutable copy of a JobState: the record has fifteen components and each move changes a few. */
    private static final class Draft {
        private final JobState from;
        Instant updatedAt;
        int attempts;
        Integer step;
        Integer steps;
        String previewPng;
        List<ImageRef> images;
        ErrorInfo error;
        Double engineMs;
        TokenDensityReport density;

        Draft(JobState from) {
            this.from = from;
            this.updatedAt = from.updatedAt();
            this.attempts = from.attempts();
            this.step = from.step();
            this.steps = from.steps();
            this.previewPng = from.previewPng();
            this.images = from.images();
            this.error = from.error();
            this.engineMs = from.engineMs();
            this.density = from.density();
        }

        JobState build(JobStatus status) {
            return new JobState(from.schema(), from.jobId(), from.tenant(), status, from.spec(), from.createdAt(),
                    updatedAt, attempts, step, steps, previewPng, images, error, engineMs, density);
        }
    }
}
