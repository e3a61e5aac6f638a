package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** {@code lumen.dead-letter}: a message that could not be processed, with the reason and the original payload. */
public record DeadLetter(String schema, @JsonProperty(required = true) String sourceTopic, String key,
                         @JsonProperty(required = true) String reason,
                         @JsonProperty(required = true) int deliveryCount,
                         @JsonProperty(required = true) String payload,
                         @JsonProperty(required = true) Instant at) implements Message {
    public static final String SCHEMA = "lumen.dead-letter/v1";

    public DeadLetter(String sourceTopic, String key, String reason, int deliveryCount, String payload, Instant at) {
        this(SCHEMA, sourceTopic, key, reason, deliveryCount, payload, at);
    }
}
