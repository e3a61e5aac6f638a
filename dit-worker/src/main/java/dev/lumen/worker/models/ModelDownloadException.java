package dev.lumen.worker.models;

/** A model could not be fetched: the message names the source, the file and what went wrong. */
public class ModelDownloadException extends RuntimeException {
    public ModelDownloadException(String message) {
        super(message);
    }

    public ModelDownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
