package dev.lumen.storage;

/**
 * An object-store operation that failed. It names the operation, bucket and key (null for bucket-wide
 * operations) and says whether the same call may succeed later: {@link #retryable()} is true for
 * connection failures, timeouts and server-side errors (a worker should release its task for
 * redelivery), false for what a retry cannot fix, such as refused credentials or a missing bucket
 * (a worker should fail the task).
 */
public class StorageException extends RuntimeException {
    private final String operation;
    private final String bucket;
    private final String key;
    private final boolean retryable;

    public StorageException(String operation, String bucket, String key, boolean retryable, String reason,
                            Throwable cause) {
        super(describe(operation, bucket, key, retryable, reason), cause);
        this.operation = operation;
        this.bucket = bucket;
        this.key = key;
        this.retryable = retryable;
    }

    private static String describe(String operation, String bucket, String key, boolean retryable, String reason) {
        String target = key == null ? "bucket " + bucket : bucket + "/" + key;
        return operation + " " + target + " failed (" + (retryable ? "retryable" : "not retryable") + "): " + reason;
    }

    /** The operation that failed, e.g. {@code put} or {@code get}. */
    public String operation() {
        return operation;
    }

    public String bucket() {
        return bucket;
    }

    /** The object key, or null for an operation on the bucket itself. */
    public String key() {
        return key;
    }

    /** Whether the same call may succeed later (transient failure) rather than fail again the same way. */
    public boolean retryable() {
        return retryable;
    }
}
