package dev.lumen.worker.models;

/**
 * Progress of a model fetch, for a progress bar: called on the fetching thread. {@code start}
 * once with what must be transferred (files already in the cache are not counted), then
 * {@code transferred} as bytes arrive (a resumed file counts only the bytes sent now), then
 * {@code finish}.
 */
public interface FetchListener {
    FetchListener NONE = new FetchListener() {
    };

    default void start(int files, long bytes) {
    }

    default void transferred(long bytes) {
    }

    default void fileDone(String path) {
    }

    default void finish() {
    }
}
