package dev.lumen.embedded;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server in this process: S3Proxy over the jclouds {@code filesystem} blob store,
 * listening on 127.0.0.1 only. Buckets are folders under the data folder and objects files in them
 * (content type and user metadata in extended attributes), so data survives {@link #stop()} and
 * {@link #restart()} and a new instance on the same folder. The port stays the same across
 * restarts, which lets fault tests take "storage" away for a while and bring it back under the
 * endpoint clients already hold. Clients authenticate with {@link #ACCESS_KEY} and
 * {@link #SECRET_KEY} (AWS signature V2 or V4, presigned URLs included).
 */
public final class EmbeddedS3 implements AutoCloseable {
    /** Access key every embedded store accepts; fixed so a local setup needs no configuration. */
    public static final String ACCESS_KEY = "lumen-local";
    /** Secret key every embedded store accepts. Local development only, never a real credential. */
    public static final String SECRET_KEY = "lumen-local-secret";

    private static final String HOST = "127.0.0.1";
    // Loggers of S3Proxy, its shaded Jetty and jclouds: at logback's default (DEBUG) they log every request.
    private static final String[] CHATTY_LOGGERS = {"org.gaul", "org.jclouds", "jclouds"};

    private final Path dataDir;
    private int port;
    private BlobStoreContext context;
    private S3Proxy proxy;

    private EmbeddedS3(Path dataDir, int port) {
        this.dataDir = dataDir.toAbsolutePath();
        this.port = port;
    }

    /** Starts a store on a free port with its data in {@code dataDir} (created if missing). */
    public static EmbeddedS3 start(Path dataDir) {
        return start(dataDir, 0);
    }

    /**
     * Starts a store on the given port (0 picks a free one) with its data in {@code dataDir}.
     *
     * @throws EmbeddedS3Exception if the folder cannot be created or the server does not start,
     *                                  e.g. because the port is taken
     */
    public static EmbeddedS3 start(Path dataDir, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 (any free port) or 1..65535: " + port);
        }
        EmbeddedS3 s3 = new EmbeddedS3(dataDir, port);
        s3.restart();
        return s3;
    }

    /** {@code http://127.0.0.1:<port>}, the endpoint to give an S3 client. */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port);
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** The port the store listens on; fixed after the first start even if it was picked freely. */
    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean running() {
        return proxy != null;
    }

    /**
     * Starts serving again on the same port and folder; stops first if it is running. Clients see
     * connection refused while it is down and the same objects afterwards.
     */
    public synchronized void restart() {
        stop();
        quietLogging();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the object store's data folder " + dataDir, e);
        }
        Properties properties = new Properties();
        properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dataDir.toString());
        BlobStoreContext blobs = ContextBuilder.newBuilder("filesystem")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .overrides(properties)
                .buildView(BlobStoreContext.class);
        S3Proxy server = S3Proxy.builder()
                .blobStore(blobs.getBlobStore())
                .endpoint(URI.create("http://" + HOST + ":" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            server.start();
        } catch (Exception e) {
            blobs.close();
            throw new EmbeddedS3Exception("S3Proxy did not start on " + HOST + ":" + port + " over " + dataDir, e);
        }
        // Jetty reports the bound port once started; remember it so every restart reuses it.
        port = server.getPort();
        context = blobs;
        proxy = server;
    }

    /** Stops serving; the data stays in the folder. Does nothing if already stopped. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new EmbeddedS3Exception("S3Proxy on " + HOST + ":" + port + " did not stop cleanly", e);
        } finally {
            context.close();
            proxy = null;
            context = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "EmbeddedS3[" + endpoint() + ", " + dataDir + (running() ? "" : ", stopped") + "]";
    }

    /**
     * Raises S3Proxy's, Jetty's and jclouds' loggers to WARN when logback is the SLF4J backend (S3Proxy
     * brings it) and nobody configured those loggers; an explicit configuration wins.
     */
    private static void quietLogging() {
        for (String name : CHATTY_LOGGERS) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger && logger.getLevel() == null) {
                logger.setLevel(Level.WARN);
            }
        }
    }
}
