package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** {@code lumen.jobs}: a job the gateway accepted. */
public record JobSubmitted(String schema, @JsonProperty(required = true) String jobId,
                           @JsonProperty(required = true) String tenant,
                           @JsonProperty(required = true) GenerationSpec spec,
                           @JsonProperty(required = true) Instant submittedAt, Instant deadline, String idempotencyKey, String traceparent) implements Message {
    public static final String SCHEMA = "lumen.job-submitted/v1.2";

    public JobSubmitted(String jobId, String tenant, GenerationSpec spec, Instant submittedAt, Instant deadline,
                        String idempotencyKey, String traceparent) {
        this(SCHEMA, jobId, tenant, spec, submittedAt, deadline, idempotencyKey, traceparent);
    }
}
