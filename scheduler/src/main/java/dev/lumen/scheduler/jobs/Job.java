package dev.lumen.scheduler.jobs;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * The scheduler's view of one job: the public {@link JobState} that gateways read, plus the
 * scheduler's own bookkeeping that the public contract does not carry — the deadline, the task
 * the job is currently dispatched in, and when a cancellation was asked for. The bookkeeping is
 * persisted beside the state (as record headers on {@code lumen.job-state}) so a restarted
 * scheduler continues with it.
 *
 * @param taskId the task of the current attempt while running, else {@code null}
 * @param cancelRequestedAt when a cancel arrived for a running job, else {@code null}
 */
public record Job(JobState state, Instant deadline, String taskId, Instant cancelRequestedAt) {

    public Job {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(deadline, "deadline");
    }

    public String id() {
        return state.jobId();
    }

    public String tenant() {
        return state.tenant();
    }

    public JobStatus status() {
        return state.status();
    }

    public GenerationSpec spec() {
        return state.spec();
    }
}
