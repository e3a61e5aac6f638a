package dev.lumen.storage;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The object store Lumen keeps images in: one bucket of an S3-compatible service. Writes are
 * idempotent overwrites, so a redelivered task that uploads the same keys again replaces its
 * earlier upload instead of adding a second copy. Every failure is a {@link StorageException} that
 * names the bucket and key and says whether retrying may help.
 */
public interface ObjectStore {

    /** The bucket this store reads and writes. */
    String bucket();

    /** Creates the bucket if it does not exist; calling it again, or from several processes at once, is fine. */
    void ensureBucket();

    /**
     * Stores {@code bytes} under {@code key}, replacing any object there.
     *
     * @param metadata user metadata sent as {@code x-amz-meta-*} headers: keys of lower-case letters, digits
     *                 and '-', printable US-ASCII values (HTTP headers carry nothing else; put text such as
     *                 prompts in the object itself)
     */
    void put(String key, byte[] bytes, String contentType, Map<String, String> metadata);

    /**
     * The object's bytes.
     *
     * @throws ObjectNotFoundException if there is no object under {@code key}
     */
    byte[] get(String key);

    /**
     * Streams the object into {@code file} (replacing it), without holding it in memory: for large
     * objects such as model weights.
     *
     * @throws ObjectNotFoundException if there is no object under {@code key}
     */
    void download(String key, java.nio.file.Path file);

    /** Size, content type and metadata of the object under {@code key}, or empty if there is none. */
    Optional<ObjectInfo> stat(String key);

    default boolean exists(String key) {
        return stat(key).isPresent();
    }

    /** Keys of the objects whose key starts with {@code prefix}, in lexical order. */
    List<String> list(String prefix);

    /**
     * A URL anyone can GET the object with until {@code expiry} has passed, without credentials.
     * It is computed locally and does not check that the object exists.
     *
     * @param expiry between one second and seven days (the S3 limit)
     */
    URI presignedGet(String key, Duration expiry);

    /** Removes the object; removing one that does not exist is not an error. */
    void delete(String key);
}
