package dev.lumen.engine.format;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Named tensors backed by memory-mapped safetensors data: one file, or a sharded checkpoint
 * described by a {@code *.safetensors.index.json}. Data stays in the stored dtype; callers read it
 * through {@link #data(String)} (zero copy) or widen small tensors with {@link #floats(String)}.
 * Closing unmaps every file, so segments handed out before must not be used afterwards.
 */
public interface TensorSource extends AutoCloseable {

    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Where the tensors came from (a file or an index), for messages. */
    Path origin();

    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** The tensor's description; throws a {@link SafetensorsException} naming the origin and tensor if absent. */
    TensorInfo info(String name);

    /** A read-only view of the tensor's bytes, in its stored dtype, little-endian. */
    MemorySegment data(String name);

    /** The file-level {@code __metadata__} (merged over shards). */
    Map<String, String> metadata();

    /** A float32 copy of a tensor, widened from its stored dtype. Meant for small tensors and tests. */
    default float[] floats(String name) {
        TensorInfo info = info(name);
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException("tensor " + name + " in " + info.file() + " has " + count
                    + " elements, too many to copy into one float array");
        }
        float[] out = new float[(int) count];
        Dtypes.widen(data(name), info.dtype(), 0, out, 0, out.length);
        return out;
    }

    /** The tensor's shape, checked against the expected one; a mismatch names the tensor and both shapes. */
    default TensorInfo expect(String name, long... shape) {
        TensorInfo info = info(name);
        if (!java.util.Arrays.equals(info.shape(), shape)) {
            throw new SafetensorsException("tensor " + name + " in " + info.file() + " has shape "
                    + java.util.Arrays.toString(info.shape()) + ", expected " + java.util.Arrays.toString(shape));
        }
        return info;
    }

    @Override
    void close();

    /**
     * Opens a safetensors file, a {@code *.safetensors.index.json}, or a folder holding exactly one of
     * either (an index wins over single files; fp16/bf16 "variant" files are only used when named).
     */
    static TensorSource open(Path path) {
        if (Files.isDirectory(path)) {
            return open(pickInFolder(path));
        }
        if (!Files.exists(path)) {
            throw new SafetensorsException("no such safetensors file or index: " + path);
        }
        if (path.getFileName().toString().endsWith(".json")) {
            return ShardedTensorSource.open(path);
        }
        return SafetensorsFile.open(path);
    }

    private static Path pickInFolder(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> all = files.sorted().toList();
            List<Path> indexes = all.stream()
                    .filter(p -> p.getFileName().toString().endsWith(".safetensors.index.json")).toList();
            if (indexes.size() == 1) {
                return indexes.getFirst();
            }
            List<Path> singles = all.stream().filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".safetensors") && !n.matches(".*-\\d{5}-of-\\d{5}\\.safetensors")
                        && !n.matches(".*\\.(fp16|bf16|fp32)\\.safetensors");
            }).toList();
            if (indexes.isEmpty() && singles.size() == 1) {
                return singles.getFirst();
            }
            throw new SafetensorsException("expected exactly one *.safetensors file or *.safetensors.index.json in "
                    + folder + ", found " + all.stream().map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".safetensors")).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
