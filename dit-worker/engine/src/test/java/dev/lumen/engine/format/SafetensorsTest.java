package dev.lumen.engine.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: round trips in every dtype, shards, and clear errors for broken files. */
class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 3f;
        }
        return v;
    }

    @Test
    void roundTripsEveryDtypeWithMetadata() throws IOException {
        float[] a = random(6 * 7, 1);
        float[] b = random(5, 2);
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .add("a.f32", DType.F32, a, 6, 7)
                .add("b.bf16", DType.BF16, b, 5)
                .add("c.f16", DType.F16, b, 5, 1)
                .write(file);
        try (TensorSource s = TensorSource.open(file)) {
            assertThat(s.names()).containsExactly("a.f32", "b.bf16", "c.f16");
            assertThat(s.metadata()).containsEntry("format", "pt");
            assertThat(s.floats("a.f32")).containsExactly(a);
            assertThat(s.info("b.bf16").dtype()).isEqualTo(DType.BF16);
            assertThat(s.info("c.f16").shape()).containsExactly(5, 1);
            for (int i = 0; i < b.length; i++) {
                assertThat(s.floats("b.bf16")[i]).isCloseTo(b[i], org.assertj.core.data.Percentage.withPercentage(0.4));
                assertThat(s.floats("c.f16")[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(b[i])));
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(DType.bf16ToFloat(DType.floatToBf16(1.0f))).isEqualTo(1.0f);
        // 1 + 2^-8 lies exactly between two bf16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        assertThat(DType.bf16ToFloat(DType.floatToBf16(1f + 1f / 256))).isEqualTo(1.0f);
        assertThat(DType.bf16ToFloat(DType.floatToBf16(1f + 3f / 256))).isEqualTo(1f + 4f / 256);
        assertThat(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN)))).isTrue();
    }

    @Test
    void opensShardedCheckpointsThroughTheirIndex() throws IOException {
        float[] a = random(12, 3);
        float[] b = random(8, 4);
        new SafetensorsWriter().add("x.weight", DType.F32, a, 3, 4).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().add("y.weight", DType.BF16, b, 8).write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 64}, "weight_map": {
                  "x.weight": "model-00001-of-00002.safetensors",
                  "y.weight": "model-00002-of-00002.safetensors"}}
                """);
        try (TensorSource s = TensorSource.open(dir)) {
            assertThat(s.names()).containsExactlyInAnyOrder("x.weight", "y.weight");
            assertThat(s.floats("x.weight")).containsExactly(a);
            assertThat(s.info("y.weight").file().getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
        }
    }

    @Test
    void missingShardAndMisplacedTensorAreNamed() throws IOException {
        new SafetensorsWriter().add("x.weight", DType.F32, random(4, 5), 4).write(dir.resolve("a.safetensors"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"x.weight\": \"a.safetensors\", \"z.weight\": \"b.safetensors\"}}");
        assertThatThrownBy(() -> TensorSource.open(index)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("b.safetensors").hasMessageContaining("z.weight").hasMessageContaining("missing");
        Files.writeString(index, "{\"weight_map\": {\"w.weight\": \"a.safetensors\"}}");
        assertThatThrownBy(() -> TensorSource.open(index)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("w.weight").hasMessageContaining("a.safetensors");
    }

    @Test
    void missingTensorIsNamedWithTheFile() throws IOException {
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("x", DType.F32, random(4, 6), 4).write(file);
        try (TensorSource s = TensorSource.open(file)) {
            assertThatThrownBy(() -> s.info("y")).isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("missing tensor y").hasMessageContaining(file.toString());
            assertThatThrownBy(() -> s.expect("x", 2, 2)).hasMessageContaining("x").hasMessageContaining("[4]");
        }
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        Path file = Files.createTempFile(dir, "broken", ".safetensors");
        Files.write(file, buf.array());
        return file;
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path file = raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8);
        assertThatThrownBy(() -> TensorSource.open(file)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor t").hasMessageContaining("truncated").hasMessageContaining(file.toString());
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> TensorSource.open(tiny)).hasMessageContaining("truncated");
        Path shortHeader = dir.resolve("short.safetensors");
        Files.write(shortHeader, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertThatThrownBy(() -> TensorSource.open(shortHeader)).hasMessageContaining("truncated");
    }

    @Test
    void overlappingOffsetsAreReported() throws IOException {
        Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
        assertThatThrownBy(() -> TensorSource.open(file)).hasMessageContaining("overlapping")
                .hasMessageContaining("a").hasMessageContaining("b");
    }

    @Test
    void unknownDtypeAndSizeMismatchAreReported() throws IOException {
        Path unknown = raw("{\"q\": {\"dtype\": \"I8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 4);
        assertThatThrownBy(() -> TensorSource.open(unknown)).hasMessageContaining("tensor q")
                .hasMessageContaining("unsupported dtype I8");
        Path mismatch = raw("{\"m\": {\"dtype\": \"BF16\", \"shape\": [3, 3], \"data_offsets\": [0, 16]}}", 16);
        assertThatThrownBy(() -> TensorSource.open(mismatch)).hasMessageContaining("tensor m")
                .hasMessageContaining("needs 18 bytes");
        Path notJson = raw("{not json", 0);
        assertThatThrownBy(() -> TensorSource.open(notJson)).hasMessageContaining("not valid JSON");
    }

    @Test
    void missingFileIsNamed() {
        Path nowhere = dir.resolve("nowhere.safetensors");
        assertThatThrownBy(() -> TensorSource.open(nowhere)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(nowhere.toString());
    }
}
