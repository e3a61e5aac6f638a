package dev.lumen.engine.config;

/** A model folder or config file that cannot be used; the message names the file and field. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
