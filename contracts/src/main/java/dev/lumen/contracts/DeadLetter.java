package dev.lumen.contracts;

import java.time.Instant;

/** {@code lumen.dead-letter}: a message that could not be processed, with the reason and the original payload. */
public record DeadLetter(String schema, String sourceTopic, String key, String reason, int deliveryCount,
                         String payload, Instant at) implements Message {
    public static final String SCHEMA = "lumen.dead-letter/v1";

    public DeadLetter(String sourceTopic, String key, String reason, int deliveryCount, String payload, Instant at) {
        this(SCHEMA, sourceTopic, key, reason, deliveryCount, payload, at);
    }
}
