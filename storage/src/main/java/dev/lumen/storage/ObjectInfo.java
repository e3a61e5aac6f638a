package dev.lumen.storage;

import java.time.Instant;
import java.util.Map;

/**
 * What the store knows about one object without reading it. {@code metadata} holds the user metadata
 * with keys as the store returns them: lower case, without the {@code x-amz-meta-} prefix.
 */
public record ObjectInfo(String key, long size, String contentType, Map<String, String> metadata, String etag,
                         Instant lastModified) {
    public ObjectInfo {
        metadata = Map.copyOf(metadata);
    }
}
