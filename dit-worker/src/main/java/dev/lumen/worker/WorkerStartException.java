package dev.lumen.worker;

/**
 * The worker could not start: the model did not load or warm up, the backend did not open, or a
 * topic it needs does not exist. Nothing is left running when it is thrown.
 */
public class WorkerStartException extends RuntimeException {
    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
