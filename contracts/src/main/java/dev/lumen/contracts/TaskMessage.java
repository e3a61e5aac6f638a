package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * {@code lumen.tasks.<pool>}: a batch of compatible jobs for one worker (equal
 * {@link GenerationSpec#batchKey()}). {@code attempt} counts dispatches by the scheduler; the
 * broker's own delivery count covers redeliveries of the same record.
 */
public record TaskMessage(String schema, @JsonProperty(required = true) String taskId,
                          @JsonProperty(required = true) String pool,
                          @JsonProperty(required = true) List<TaskJob> jobs,
                          @JsonProperty(required = true) int attempt,
                          Instant deadline, String traceparent) implements Message {
    public static final String SCHEMA = "lumen.task/v1.2";

    public TaskMessage(String taskId, String pool, List<TaskJob> jobs, int attempt, Instant deadline, String traceparent) {
        this(SCHEMA, taskId, pool, jobs, attempt, deadline, traceparent);
    }

    /** One job inside a task. */
    public record TaskJob(@JsonProperty(required = true) String jobId, @JsonProperty(required = true) String tenant,
                          @JsonProperty(required = true) GenerationSpec spec) {
    }
}
