package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** {@code lumen.control}: a request to cancel a job (queued or running). */
public record ControlMessage(String schema, @JsonProperty(required = true) Type type,
                             @JsonProperty(required = true) String jobId,
                             @JsonProperty(required = true) String tenant,
                             @JsonProperty(required = true) Instant at) implements Message {
    public static final String SCHEMA = "lumen.control/v1";

    public ControlMessage(Type type, String jobId, String tenant, Instant at) {
        this(SCHEMA, type, jobId, tenant, at);
    }

    public enum Type {
        CANCEL;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
