package dev.lumen.engine.format;

/** A safetensors file or index that cannot be used; the message names the file and, where known, the tensor. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
