package dev.lumen.scheduler;

/** A scheduler setting is missing or out of range; the message names the setting. */
public class SchedulerConfigException extends IllegalArgumentException {
    public SchedulerConfigException(String message) {
        super(message);
    }
}
