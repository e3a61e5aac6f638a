package dev.lumen.storage.images;

/** Bytes that are not a well-formed PNG: the message says what is wrong and at which byte offset. */
public class InvalidPngException extends IllegalArgumentException {
    public InvalidPngException(String message) {
        super(message);
    }
}
