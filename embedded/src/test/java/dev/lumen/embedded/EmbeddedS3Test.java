package dev.lumen.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.s3.reference.S3Constants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store through real S3 requests (jclouds' S3 client, which S3Proxy brings along, so
 * this module needs no S3 client of its own): authentication, persistence across restarts on the
 * same port, and "connection refused" while stopped.
 */
class EmbeddedS3Test {
    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static BlobStoreContext client(EmbeddedS3 s3) {
        Properties properties = new Properties();
        // Path-style requests: 127.0.0.1 has no bucket subdomains.
        properties.setProperty(S3Constants.PROPERTY_S3_VIRTUAL_HOST_BUCKETS, "false");
        return ContextBuilder.newBuilder("s3")
                .endpoint(s3.endpoint().toString())
                .credentials(s3.accessKey(), s3.secretKey())
                .overrides(properties)
                .buildView(BlobStoreContext.class);
    }

    private HttpResponse<String> anonymousGet(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void put(BlobStore store, String bucket, String key, String text) {
        store.createContainerInLocation(null, bucket);
        Blob blob = store.blobBuilder(key).payload(text).contentType("text/plain")
                .userMetadata(Map.of("seed", "42")).build();
        store.putBlob(bucket, blob);
    }

    private static String read(BlobStore store, String bucket, String key) throws IOException {
        Blob blob = store.getBlob(bucket, key);
        assertThat(blob).as(bucket + "/" + key).isNotNull();
        try (var in = blob.getPayload().openStream()) {
            return new String(in.readAllBytes());
        }
    }

    @Test
    void servesS3OnLoopbackWithTheFixedKeys() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(data); BlobStoreContext context = client(s3)) {
            assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");
            assertThat(s3.port()).isPositive();
            assertThat(s3.accessKey()).isEqualTo(EmbeddedS3.ACCESS_KEY);

            BlobStore store = context.getBlobStore();
            put(store, "images", "a/b/0.txt", "hello");
            assertThat(read(store, "images", "a/b/0.txt")).isEqualTo("hello");
            Blob blob = store.getBlob("images", "a/b/0.txt");
            assertThat(blob.getMetadata().getUserMetadata()).containsEntry("seed", "42");
            assertThat(blob.getMetadata().getContentMetadata().getContentType()).isEqualTo("text/plain");

            // No signature, no object: the store really checks credentials.
            HttpResponse<String> anonymous = anonymousGet(s3.endpoint().resolve("/images/a/b/0.txt"));
            assertThat(anonymous.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void refusesConnectionsWhileStoppedAndKeepsDataAndPortAcrossRestart() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(data); BlobStoreContext context = client(s3)) {
            URI endpoint = s3.endpoint();
            put(context.getBlobStore(), "images", "t/j/0.txt", "before");

            s3.stop();
            assertThat(s3.running()).isFalse();
            assertThatThrownBy(() -> anonymousGet(endpoint)).isInstanceOf(ConnectException.class);
            s3.stop(); // idempotent

            s3.restart();
            assertThat(s3.running()).isTrue();
            assertThat(s3.endpoint()).isEqualTo(endpoint);
            assertThat(read(context.getBlobStore(), "images", "t/j/0.txt")).isEqualTo("before");
        }
    }

    @Test
    void anotherInstanceOnTheSameFolderSeesTheObjects() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(data); BlobStoreContext context = client(s3)) {
            put(context.getBlobStore(), "images", "t/j/1.txt", "kept");
        }
        try (EmbeddedS3 s3 = EmbeddedS3.start(data); BlobStoreContext context = client(s3)) {
            assertThat(read(context.getBlobStore(), "images", "t/j/1.txt")).isEqualTo("kept");
            assertThat(context.getBlobStore().getBlob("images", "t/j/1.txt").getMetadata().getUserMetadata())
                    .containsEntry("seed", "42");
        }
    }

    @Test
    void startsOnAGivenPortAndSaysWhenItIsTaken() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (EmbeddedS3 s3 = EmbeddedS3.start(data, port)) {
            assertThat(s3.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + port));
            assertThatThrownBy(() -> EmbeddedS3.start(data.resolve("other"), port))
                    .isInstanceOf(EmbeddedS3Exception.class)
                    .hasMessageContaining("127.0.0.1:" + port);
        }
        assertThatThrownBy(() -> EmbeddedS3.start(data, 70_000)).isInstanceOf(IllegalArgumentException.class);
    }
}
