package dev.lumen.engine.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a safetensors file tensor by tensor, streaming values from a {@link Filler} so that
 * multi-gigabyte checkpoints (random full-size models for benchmarks) never sit in memory. The file
 * is written under a temporary name and moved into place only when complete.
 */
public final class SafetensorsWriter {

    /** Produces the values of elements {@code [from, from + chunk.length)} of a tensor. */
    @FunctionalInterface
    public interface Filler {
        void fill(long from, float[] chunk);
    }

    private record Entry(String name, DType dtype, long[] shape, Filler filler) {
        long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final int CHUNK = 1 << 16;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, Filler filler) {
        entries.add(new Entry(name, dtype, shape.clone(), filler));
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape needs " + n + " values, got " + values.length);
        }
        return add(name, dtype, shape, (from, chunk) -> System.arraycopy(values, (int) from, chunk, 0, chunk.length));
    }

    /** Total bytes of tensor data (the file adds the header). */
    public long dataBytes() {
        return entries.stream().mapToLong(e -> e.count() * e.dtype().byteSize()).sum();
    }

    public void write(Path file) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long bytes = e.count() * e.dtype().byteSize();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8; // align the data area to 8 bytes, padding with spaces
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();

        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".partial");
        // Temporary files are private (0600); a checkpoint is ordinary data others may read.
        if (Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             Arena arena = Arena.ofConfined()) {
            while (prefix.hasRemaining()) {
                out.write(prefix);
            }
            MemorySegment buffer = arena.allocate((long) CHUNK * 4);
            float[] chunk = new float[CHUNK];
            for (Entry e : entries) {
                long count = e.count();
                for (long from = 0; from < count; from += CHUNK) {
                    int n = (int) Math.min(CHUNK, count - from);
                    float[] values = n == CHUNK ? chunk : new float[n];
                    e.filler().fill(from, values);
                    Dtypes.narrow(values, 0, n, e.dtype(), buffer, 0);
                    ByteBuffer bb = buffer.asSlice(0, (long) n * e.dtype().byteSize()).asByteBuffer();
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
