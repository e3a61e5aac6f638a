package dev.lumen.contracts;

import java.time.Instant;
import java.util.List;

/**
 * {@code lumen.tasks.<pool>}: a batch of compatible jobs for one worker (equal
 * {@link GenerationSpec#batchKey()}). {@code attempt} counts dispatches by the scheduler; the
 * broker's own delivery count covers redeliveries of the same record.
 */
public record TaskMessage(String schema, String taskId, String pool, List<TaskJob> jobs, int attempt,
                          Instant deadline, String traceparent) implements Message {
    public static final String SCHEMA = "lumen.task/v1";

    public TaskMessage(String taskId, String pool, List<TaskJob> jobs, int attempt, Instant deadline, String traceparent) {
        this(SCHEMA, taskId, pool, jobs, attempt, deadline, traceparent);
    }

    /** One job inside a task. */
    public record TaskJob(String jobId, String tenant, GenerationSpec spec) {
    }
}
