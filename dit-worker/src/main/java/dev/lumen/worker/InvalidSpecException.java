package dev.lumen.worker;

/**
 * A job's generation spec that this worker can never run (a size the model cannot make, a model or
 * sampler it does not serve, a feature it lacks). Retrying cannot help, so the task is rejected
 * and dead-lettered instead of released.
 */
public class InvalidSpecException extends RuntimeException {
    private final String code;

    public InvalidSpecException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** A stable error code for {@code ErrorInfo.code}, e.g. {@code invalid_size}. */
    public String code() {
        return code;
    }
}
