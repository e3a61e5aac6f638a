package dev.lumen.worker;

/** A worker setting that is missing or out of range; the message names the setting and the rule it breaks. */
public class WorkerConfigException extends RuntimeException {
    public WorkerConfigException(String message) {
        super(message);
    }

    public WorkerConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
