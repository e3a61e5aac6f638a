package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * {@code lumen.job-state} (compacted, keyed by job id): the whole current state of a job, written
 * only by the scheduler; gateways materialise it to answer status queries and feed SSE.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobState(String schema, String jobId, String tenant, JobStatus status, GenerationSpec spec,
                       Instant createdAt, Instant updatedAt, int attempts, Integer step, Integer steps,
                       String previewPng, List<ImageRef> images, ErrorInfo error, Double engineMs) implements Message {
    public static final String SCHEMA = "lumen.job-state/v1";
}
