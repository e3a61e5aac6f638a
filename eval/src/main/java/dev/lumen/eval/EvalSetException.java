package dev.lumen.eval;

/** An eval-set file that cannot be used; the message names the file and the field. */
public class EvalSetException extends RuntimeException {
    public EvalSetException(String message) {
        super(message);
    }

    public EvalSetException(String message, Throwable cause) {
        super(message, cause);
    }
}
