package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * {@code lumen.events}: what a worker reports about one job of a task. Progress events may carry
 * a small preview PNG (base64); completed events carry the stored images and (since v1.1) the token
 * density the job ran with (since v1.2 with its {@code experimental} flag); failed events the error.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkerEvent(String schema, @JsonProperty(required = true) Type type,
                          @JsonProperty(required = true) String jobId,
                          @JsonProperty(required = true) String taskId,
                          @JsonProperty(required = true) String workerId,
                          @JsonProperty(required = true) Instant at,
                          Integer step, Integer steps, String previewPng, List<ImageRef> images, ErrorInfo error,
                          Double engineMs, TokenDensityReport density) implements Message {
    public static final String SCHEMA = "lumen.worker-event/v1.2";

    /** An event without a density report (all but completions). */
    public WorkerEvent(String schema, Type type, String jobId, String taskId, String workerId, Instant at, Integer step,
                       Integer steps, String previewPng, List<ImageRef> images, ErrorInfo error, Double engineMs) {
        this(schema, type, jobId, taskId, workerId, at, step, steps, previewPng, images, error, engineMs, null);
    }

    public enum Type {
        STARTED, PROGRESS, COMPLETED, FAILED, CANCELLED;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
