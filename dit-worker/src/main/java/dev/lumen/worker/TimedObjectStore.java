package dev.lumen.worker;

import dev.lumen.observability.LumenMetrics;
import dev.lumen.storage.ObjectInfo;
import dev.lumen.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An {@link ObjectStore} whose uploads are timed into {@code lumen_storage_put_seconds{outcome}}. */
final class TimedObjectStore implements ObjectStore {
    private final ObjectStore store;
    private final MeterRegistry meters;

    TimedObjectStore(ObjectStore store, MeterRegistry meters) {
        this.store = store;
        this.meters = meters;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        Timer.Sample sample = Timer.start(meters);
        String outcome = "failure";
        try {
            store.put(key, bytes, contentType, metadata);
            outcome = "success";
        } finally {
            sample.stop(LumenMetrics.storagePut(meters, outcome));
        }
    }

    @Override
    public String bucket() {
        return store.bucket();
    }

    @Override
    public void ensureBucket() {
        store.ensureBucket();
    }

    @Override
    public byte[] get(String key) {
        return store.get(key);
    }

    @Override
    public void download(String key, Path file) {
        store.download(key, file);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return store.stat(key);
    }

    @Override
    public List<String> list(String prefix) {
        return store.list(prefix);
    }

    @Override
    public URI presignedGet(String key, Duration expiry) {
        return store.presignedGet(key, expiry);
    }

    @Override
    public void delete(String key) {
        store.delete(key);
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
