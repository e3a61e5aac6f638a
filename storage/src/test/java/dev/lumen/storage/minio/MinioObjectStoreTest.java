package dev.lumen.storage.minio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.embedded.EmbeddedS3;
import dev.lumen.storage.ObjectInfo;
import dev.lumen.storage.ObjectNotFoundException;
import dev.lumen.storage.StorageException;
import dev.lumen.storage.images.ImageKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter against a real S3 server (S3Proxy in this process), not mocks. */
class MinioObjectStoreTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path data;
    static EmbeddedS3 s3;

    MinioObjectStore store;

    @BeforeAll
    static void startS3() {
        s3 = EmbeddedS3.start(data.resolve("s3"));
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    static MinioObjectStore storeFor(EmbeddedS3 server, String bucket) {
        return MinioObjectStore.create(new S3Config(server.endpoint(), server.accessKey(), server.secretKey(), bucket));
    }

    @BeforeEach
    void freshBucket() {
        store = storeFor(s3, "lumen-test-" + BUCKETS.incrementAndGet());
        store.ensureBucket();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static HttpResponse<byte[]> fetch(URI url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void ensureBucketIsIdempotent() {
        store.ensureBucket();
        store.ensureBucket();
        MinioObjectStore other = storeFor(s3, store.bucket());
        other.ensureBucket();
        store.put("k", bytes("v"), "text/plain", Map.of());
        assertThat(other.get("k")).isEqualTo(bytes("v"));
    }

    @Test
    void putsAndGetsWithContentTypeAndMetadata() {
        ImageKeys keys = ImageKeys.of("acme", "job-1", 0);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        store.put(keys.png(), png, "image/png", Map.of("job-id", "job-1", "seed", "42"));

        assertThat(store.get(keys.png())).isEqualTo(png);
        ObjectInfo info = store.stat(keys.png()).orElseThrow();
        assertThat(info.key()).isEqualTo("images/acme/job-1/0.png");
        assertThat(info.size()).isEqualTo(png.length);
        assertThat(info.contentType()).isEqualTo("image/png");
        assertThat(info.metadata()).containsEntry("job-id", "job-1").containsEntry("seed", "42");
        assertThat(info.etag()).isNotBlank();
        assertThat(info.lastModified()).isNotNull();
        assertThat(store.exists(keys.png())).isTrue();
        assertThat(store.exists(keys.metadata())).isFalse();
        assertThat(store.stat(keys.metadata())).isEmpty();
    }

    @Test
    void aRedeliveredUploadOverwritesAndNeverDuplicates() {
        ImageKeys keys = ImageKeys.of("acme", "job-2", 1);
        store.put(keys.png(), bytes("first attempt"), "image/png", Map.of("attempt", "1"));
        store.put(keys.png(), bytes("second attempt"), "image/png", Map.of("attempt", "2"));

        assertThat(store.get(keys.png())).isEqualTo(bytes("second attempt"));
        assertThat(store.stat(keys.png()).orElseThrow().metadata()).containsEntry("attempt", "2");
        assertThat(store.list(ImageKeys.jobPrefix("acme", "job-2"))).containsExactly(keys.png());
    }

    @Test
    void listsByPrefixAndDeletes() {
        for (int i = 0; i < 3; i++) {
            store.put(ImageKeys.of("acme", "job-3", i).png(), bytes("png " + i), "image/png", Map.of());
        }
        store.put(ImageKeys.of("acme", "job-30", 0).png(), bytes("another job"), "image/png", Map.of());
        assertThat(store.list(ImageKeys.jobPrefix("acme", "job-3")))
                .containsExactly("images/acme/job-3/0.png", "images/acme/job-3/1.png", "images/acme/job-3/2.png");

        store.delete("images/acme/job-3/1.png");
        store.delete("images/acme/job-3/1.png"); // already gone: fine
        assertThat(store.exists("images/acme/job-3/1.png")).isFalse();
        assertThat(store.list(ImageKeys.jobPrefix("acme", "job-3"))).hasSize(2);
    }

    @Test
    void getOfAMissingObjectSaysNotFound() {
        assertThatThrownBy(() -> store.get("images/acme/none/0.png"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessage("get " + store.bucket() + "/images/acme/none/0.png failed (not retryable): no such object")
                .satisfies(e -> assertThat(((StorageException) e).retryable()).isFalse());
    }

    @Test
    void presignedUrlServesTheBytesWithoutCredentialsUntilItExpires() throws Exception {
        byte[] png = bytes("pretend png");
        store.put("images/acme/job-4/0.png", png, "image/png", Map.of());

        URI url = store.presignedGet("images/acme/job-4/0.png", Duration.ofSeconds(2));
        assertThat(url.getQuery()).contains("X-Amz-Expires=2").contains("X-Amz-Signature=");
        HttpResponse<byte[]> response = fetch(url);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(png);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");

        // X-Amz-Date has whole seconds: wait past its second plus the expiry.
        Thread.sleep(3_200);
        assertThat(fetch(url).statusCode()).isEqualTo(403);
        assertThat(fetch(store.presignedGet("images/acme/job-4/0.png", Duration.ofMinutes(5))).statusCode()).isEqualTo(200);
    }

    @Test
    void presignRefusesExpiriesS3DoesNotAllow() {
        assertThatThrownBy(() -> store.presignedGet("k", Duration.ofMillis(500))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.presignedGet("k", Duration.ofDays(8))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesMetadataThatCannotTravelAsAHeader() {
        assertThatThrownBy(() -> store.put("k", bytes("v"), "text/plain", Map.of("prompt", "café")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prompt").hasMessageContaining("US-ASCII");
        assertThatThrownBy(() -> store.put("k", bytes("v"), "text/plain", Map.of("Seed", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Seed");
    }

    @Test
    void refusedCredentialsAreNotRetryable() {
        MinioObjectStore wrongSecret = MinioObjectStore.create(
                new S3Config(s3.endpoint(), s3.accessKey(), "not-the-secret", store.bucket()));
        assertThatThrownBy(() -> wrongSecret.put("k", bytes("v"), "text/plain", Map.of()))
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.bucket()).isEqualTo(store.bucket());
                    assertThat(e.key()).isEqualTo("k");
                    assertThat(e.operation()).isEqualTo("put");
                })
                .hasMessageContaining("(HTTP 403)");
    }

    @Test
    void aMissingBucketIsNotRetryable() {
        MinioObjectStore noBucket = storeFor(s3, "lumen-never-created");
        assertThatThrownBy(() -> noBucket.put("k", bytes("v"), "text/plain", Map.of()))
                .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("NoSuchBucket");
    }

    @Test
    void storageDownIsRetryableAndWorksAgainAfterRestart(@TempDir Path folder) {
        try (EmbeddedS3 own = EmbeddedS3.start(folder)) {
            MinioObjectStore flaky = MinioObjectStore.create(new S3Config(own.endpoint(), S3Config.DEFAULT_REGION,
                    own.accessKey(), own.secretKey(), "images", Duration.ofSeconds(2), Duration.ofSeconds(5)));
            flaky.ensureBucket();
            flaky.put("images/acme/job-5/0.png", bytes("before the outage"), "image/png", Map.of());

            own.stop();
            assertThatThrownBy(() -> flaky.put("images/acme/job-5/1.png", bytes("during"), "image/png", Map.of()))
                    .isInstanceOfSatisfying(StorageException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.key()).isEqualTo("images/acme/job-5/1.png");
                    })
                    // "cannot connect" or, on a pooled keep-alive connection the server closed, "end of stream".
                    .hasMessageStartingWith("put images/images/acme/job-5/1.png failed (retryable): ")
                    .hasMessageContaining(own.endpoint().toString());
            assertThatThrownBy(() -> flaky.get("images/acme/job-5/0.png"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("cannot connect to " + own.endpoint());
            assertThatThrownBy(() -> flaky.stat("images/acme/job-5/0.png"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.retryable()).isTrue());

            own.restart();
            flaky.put("images/acme/job-5/1.png", bytes("after"), "image/png", Map.of());
            assertThat(flaky.get("images/acme/job-5/0.png")).isEqualTo(bytes("before the outage"));
            assertThat(flaky.get("images/acme/job-5/1.png")).isEqualTo(bytes("after"));
        }
    }
}
