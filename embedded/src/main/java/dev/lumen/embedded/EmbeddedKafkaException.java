package dev.lumen.embedded;

/** The embedded Kafka broker could not be formatted, started, stopped or administered. */
public class EmbeddedKafkaException extends RuntimeException {
    public EmbeddedKafkaException(String message) {
        super(message);
    }

    public EmbeddedKafkaException(String message, Throwable cause) {
        super(message, cause);
    }
}
