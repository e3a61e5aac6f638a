package dev.lumen.embedded;

/** The embedded object store could not be started or stopped; the message says where (address, data folder). */
public class EmbeddedS3Exception extends RuntimeException {
    public EmbeddedS3Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
