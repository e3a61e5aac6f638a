package dev.lumen.scheduler;

/**
 * The broker did not acknowledge what the scheduler published. The loop stops without committing,
 * so the records that led to it are processed again by whichever instance owns them next.
 */
public class SchedulerPublishException extends RuntimeException {
    public SchedulerPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
