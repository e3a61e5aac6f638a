package dev.lumen.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.embedded.EmbeddedS3;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.storage.minio.S3Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3://bucket/prefix} sources against the S3 server embedded in this JVM, through the storage module. */
class S3ModelSourceTest {
    private static final Path FIXTURE = Path.of("engine/src/test/resources/pixart-tiny/model");

    @TempDir
    static Path data;

    private static EmbeddedS3 s3;
    private static Map<String, byte[]> files;

    @BeforeAll
    static void upload() throws Exception {
        s3 = EmbeddedS3.start(data.resolve("s3"));
        ObjectStore store = MinioObjectStore.create(new S3Config(s3.endpoint(), s3.accessKey(), s3.secretKey(), "models"));
        store.ensureBucket();
        files = FakeHub.read(FIXTURE);
        for (var e : files.entrySet()) {
            store.put("pixart/tiny/" + e.getKey(), e.getValue(), "application/octet-stream", Map.of());
        }
        store.put("pixart/tiny/vae/diffusion_pytorch_model.bin", new byte[] {9, 9, 9}, "application/octet-stream", Map.of());
        store.put("pixart/other/model_index.json", "{}".getBytes(), "application/json", Map.of());
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
    }

    private ModelSourceSettings settings(Path cache) {
        return new ModelSourceSettings(cache, ModelSourceSettings.DEFAULT_HUB, null, false, s3.endpoint(), null,
                s3.accessKey(), s3.secretKey(), 3, Duration.ZERO);
    }

    @Test
    void fetchesThePipelineFilesOfThePrefixAndASecondFetchTransfersNothing(@TempDir Path cache) throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        FetchListener counting = new FetchListener() {
            @Override
            public void fileDone(String path) {
                fetched.incrementAndGet();
            }
        };
        Path folder = new ModelFetcher(settings(cache)).fetch(ModelSource.parse("s3://models/pixart/tiny"), counting);
        assertThat(folder).isEqualTo(cache.resolve("s3/models/pixart/tiny"));
        try (Stream<Path> walk = Files.walk(folder)) {
            assertThat(walk.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString()))
                    .contains("model_index.json", "transformer/diffusion_pytorch_model.safetensors", "tokenizer/spiece.model")
                    .doesNotContain("vae/diffusion_pytorch_model.bin", "transformer-noac/diffusion_pytorch_model.safetensors");
        }
        assertThat(Files.readAllBytes(folder.resolve("vae/diffusion_pytorch_model.safetensors")))
                .isEqualTo(files.get("vae/diffusion_pytorch_model.safetensors"));
        assertThat(fetched.get()).isEqualTo(13);

        fetched.set(0);
        assertThat(new ModelFetcher(settings(cache)).fetch(ModelSource.parse("s3://models/pixart/tiny/"), counting))
                .isEqualTo(folder);
        assertThat(fetched.get()).isZero();

        // With the store gone, the cached copy still serves an offline start.
        assertThat(new ModelFetcher(settings(cache).withOffline(true)).fetch(ModelSource.parse("s3://models/pixart/tiny"),
                FetchListener.NONE)).isEqualTo(folder);
    }

    @Test
    void aPrefixWithoutAPipelineIsRefusedByName(@TempDir Path cache) {
        assertThatThrownBy(() -> new ModelFetcher(settings(cache)).fetch(ModelSource.parse("s3://models/pixart/nothing"),
                FetchListener.NONE)).isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("s3://models/pixart/nothing/").hasMessageContaining("model_index.json");
        assertThatThrownBy(() -> new ModelFetcher(settings(cache)).fetch(ModelSource.parse("s3://models/pixart/other"),
                FetchListener.NONE)).isInstanceOf(ModelDownloadException.class);
    }
}
