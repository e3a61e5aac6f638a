package dev.lumen.worker;

/** An event or dead letter the broker did not acknowledge in time; the task is released, not lost. */
public class PublishException extends RuntimeException {
    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
