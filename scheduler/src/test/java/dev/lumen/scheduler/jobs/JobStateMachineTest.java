package dev.lumen.scheduler.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.WorkerEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStateMachineTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final JobStateMachine machine = new JobStateMachine(2, Duration.ofSeconds(5));

    private static GenerationSpec spec() {
        return new GenerationSpec("pixart-512", "a cat", null, 1, 512, 512, 20, 4.5, "dpm-solver", 7, 0, null, null);
    }

    private Job queued() {
        Job accepted = machine.accept(new JobSubmitted("job-1", "acme", spec(), T0, null, null, null), T0.plusSeconds(60), T0);
        return machine.queue(accepted, T0).after();
    }

    private Job running(String taskId) {
        return machine.dispatch(queued(), taskId, T0.plusSeconds(1)).after();
    }

    private static WorkerEvent event(WorkerEvent.Type type, String taskId, Integer step, ErrorInfo error) {
        List<ImageRef> images = type == WorkerEvent.Type.COMPLETED
                ? List.of(new ImageRef(0, "images/acme/job-1/0.png", "images/acme/job-1/0.json", 512, 512)) : null;
        return new WorkerEvent(WorkerEvent.SCHEMA, type, "job-1", taskId, "w1", T0, step, 20, null, images, error, null);
    }

    @Test
    void happyPathWalksTheLifeCycle() {
        Job job = queued();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        job = machine.dispatch(job, "t1", T0).after();
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job.state().attempts()).isEqualTo(1);
        assertThat(job.taskId()).isEqualTo("t1");
        job = machine.onWorkerEvent(job, event(WorkerEvent.Type.STARTED, "t1", null, null), T0).after();
        assertThat(job.state().step()).isZero();
        job = machine.onWorkerEvent(job, event(WorkerEvent.Type.PROGRESS, "t1", 5, null), T0).after();
        assertThat(job.state().step()).isEqualTo(5);
        job = machine.onWorkerEvent(job, event(WorkerEvent.Type.COMPLETED, "t1", null, null), T0).after();
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.state().images()).hasSize(1);
        assertThat(job.taskId()).isNull();
    }

    @Test
    void aCompletionsTokenDensityReportBecomesPartOfTheJobsState() {
        TokenDensityReport ran = new TokenDensityReport(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("high"),
                "preset high", List.of("t=999: 0 dense, 1 kv_pool(s=2,avg)"), 900L, 1000L, 0.9, true);
        WorkerEvent plain = event(WorkerEvent.Type.COMPLETED, "t1", null, null);
        WorkerEvent completed = new WorkerEvent(plain.schema(), plain.type(), plain.jobId(), plain.taskId(), plain.workerId(),
                plain.at(), null, 20, null, plain.images(), null, 812.5, ran);
        Job running = machine.onWorkerEvent(running("t1"), event(WorkerEvent.Type.STARTED, "t1", null, null), T0).after();
        assertThat(running.state().density()).isNull();
        Job done = machine.onWorkerEvent(running, completed, T0).after();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.state().density()).isEqualTo(ran);
        assertThat(done.state().density().experimental()).isTrue();
        // The state as the scheduler publishes it keeps the flag for the gateway.
        assertThat(dev.lumen.contracts.Messages.decode(dev.lumen.contracts.Messages.encode(done.state()),
                dev.lumen.contracts.JobState.class).density().experimental()).isTrue();
        assertThat(done.state().engineMs()).isEqualTo(812.5);
    }

    @Test
    void replaysAndOutOfOrderProgressChangeNothing() {
        Job job = machine.onWorkerEvent(running("t1"), event(WorkerEvent.Type.PROGRESS, "t1", 7, null), T0).after();
        assertThat(machine.onWorkerEvent(job, event(WorkerEvent.Type.PROGRESS, "t1", 7, null), T0).changed()).isFalse();
        assertThat(machine.onWorkerEvent(job, event(WorkerEvent.Type.PROGRESS, "t1", 3, null), T0).changed()).isFalse();
        assertThat(machine.onWorkerEvent(job, event(WorkerEvent.Type.STARTED, "t1", null, null), T0).changed()).isFalse();
        assertThat(machine.dispatch(job, "t2", T0).changed()).isFalse();
        assertThat(machine.queue(job, T0).changed()).isFalse();
    }

    @Test
    void eventsAfterATerminalStateAreIgnored() {
        Job done = machine.onWorkerEvent(running("t1"), event(WorkerEvent.Type.COMPLETED, "t1", null, null), T0).after();
        for (WorkerEvent.Type type : WorkerEvent.Type.values()) {
            ErrorInfo error = type == WorkerEvent.Type.FAILED ? new ErrorInfo("oom", "out of memory", true) : null;
            assertThat(machine.onWorkerEvent(done, event(type, "t1", 3, error), T0).changed()).as(type.wire()).isFalse();
        }
        assertThat(machine.requestCancel(done, T0).changed()).isFalse();
        assertThat(machine.onTimers(done, T0.plusSeconds(3600)).changed()).isFalse();
    }

    @Test
    void eventsFromAnEarlierAttemptAreStale() {
        Job job = running("t2");
        assertThat(machine.onWorkerEvent(job, event(WorkerEvent.Type.COMPLETED, "t1", null, null), T0).changed()).isFalse();
    }

    @Test
    void retryableFailureRequeuesUntilTheAttemptLimit() {
        ErrorInfo oom = new ErrorInfo("oom", "out of memory", true);
        Transition first = machine.onWorkerEvent(running("t1"), event(WorkerEvent.Type.FAILED, "t1", null, oom), T0);
        assertThat(first.after().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(first.deadLetterReason()).isNull();
        Job second = machine.dispatch(first.after(), "t2", T0).after();
        assertThat(second.state().attempts()).isEqualTo(2);
        Transition last = machine.onWorkerEvent(second, event(WorkerEvent.Type.FAILED, "t2", null, oom), T0);
        assertThat(last.after().status()).isEqualTo(JobStatus.FAILED);
        assertThat(last.deadLetterReason()).startsWith("retry limit reached after 2 attempt(s): oom");
        // The same failure replayed later changes nothing.
        assertThat(machine.onWorkerEvent(last.after(), event(WorkerEvent.Type.FAILED, "t2", null, oom), T0).changed()).isFalse();
    }

    @Test
    void nonRetryableFailureFailsAtOnceWithADeadLetter() {
        Transition t = machine.onWorkerEvent(running("t1"),
                event(WorkerEvent.Type.FAILED, "t1", null, new ErrorInfo("bad_layout", "box out of range", false)), T0);
        assertThat(t.after().status()).isEqualTo(JobStatus.FAILED);
        assertThat(t.deadLetterReason()).isEqualTo("non-retryable failure: bad_layout: box out of range");
    }

    @Test
    void cancelIsImmediateWhenQueuedAndConfirmedOrTimedOutWhenRunning() {
        assertThat(machine.requestCancel(queued(), T0).after().status()).isEqualTo(JobStatus.CANCELLED);

        Job asked = machine.requestCancel(running("t1"), T0).after();
        assertThat(asked.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(asked.cancelRequestedAt()).isEqualTo(T0);
        assertThat(machine.requestCancel(asked, T0.plusSeconds(1)).changed()).isFalse();
        assertThat(machine.onWorkerEvent(asked, event(WorkerEvent.Type.CANCELLED, "t1", null, null), T0).after().status())
                .isEqualTo(JobStatus.CANCELLED);
        assertThat(machine.onTimers(asked, T0.plusSeconds(4)).changed()).isFalse();
        assertThat(machine.onTimers(asked, T0.plusSeconds(5)).after().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void deadlineExpiresQueuedAndRunningJobs() {
        Transition queued = machine.onTimers(queued(), T0.plusSeconds(60));
        assertThat(queued.after().status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(queued.after().state().error().code()).isEqualTo("deadline_exceeded");
        assertThat(machine.onTimers(running("t1"), T0.plusSeconds(61)).after().status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(machine.onTimers(running("t1"), T0.plusSeconds(59)).changed()).isFalse();
    }

    @Test
    void transitionTableAllowsOnlyTheLifeCycle() {
        assertThat(JobStateMachine.allowed(JobStatus.ACCEPTED, JobStatus.QUEUED)).isTrue();
        assertThat(JobStateMachine.allowed(JobStatus.QUEUED, JobStatus.RUNNING)).isTrue();
        assertThat(JobStateMachine.allowed(JobStatus.RUNNING, JobStatus.QUEUED)).isTrue();
        assertThat(JobStateMachine.allowed(JobStatus.QUEUED, JobStatus.SUCCEEDED)).isFalse();
        assertThat(JobStateMachine.allowed(JobStatus.ACCEPTED, JobStatus.RUNNING)).isFalse();
        for (JobStatus terminal : List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED)) {
            for (JobStatus to : JobStatus.values()) {
                assertThat(JobStateMachine.allowed(terminal, to)).isFalse();
            }
        }
        assertThatThrownBy(() -> new JobStateMachine(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
