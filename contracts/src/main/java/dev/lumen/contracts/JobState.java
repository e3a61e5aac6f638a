package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * {@code lumen.job-state} (compacted, keyed by job id): the whole current state of a job, written
 * only by the scheduler; gateways materialise it to answer status queries and feed SSE.
 * {@code density} (since v1.2) is the token density the job ran with, as its worker reported it on
 * completion; v1.3 adds its {@code experimental} flag.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobState(String schema, @JsonProperty(required = true) String jobId,
                       @JsonProperty(required = true) String tenant,
                       @JsonProperty(required = true) JobStatus status,
                       @JsonProperty(required = true) GenerationSpec spec,
                       @JsonProperty(required = true) Instant createdAt,
                       @JsonProperty(required = true) Instant updatedAt,
                       @JsonProperty(required = true) int attempts, Integer step, Integer steps,
                       String previewPng, List<ImageRef> images, ErrorInfo error, Double engineMs,
                       TokenDensityReport density) implements Message {
    public static final String SCHEMA = "lumen.job-state/v1.3";

    /** A state without a density report (every state before completion). */
    public JobState(String schema, String jobId, String tenant, JobStatus status, GenerationSpec spec, Instant createdAt,
                    Instant updatedAt, int attempts, Integer step, Integer steps, String previewPng, List<ImageRef> images,
                    ErrorInfo error, Double engineMs) {
        this(schema, jobId, tenant, status, spec, createdAt, updatedAt, attempts, step, steps, previewPng, images, error,
                engineMs, null);
    }
}
