package dev.lumen.storage;

/** There is no object under the key that was read; not retryable, since the object will not appear by itself. */
public class ObjectNotFoundException extends StorageException {
    public ObjectNotFoundException(String operation, String bucket, String key, Throwable cause) {
        super(operation, bucket, key, false, "no such object", cause);
    }
}
