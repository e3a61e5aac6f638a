package dev.lumen.engine.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One safetensors file, memory-mapped read-only through {@code java.lang.foreign} (so files larger
 * than 2 GiB work and nothing is copied). The header is checked against the file before any tensor
 * is handed out: known dtypes, byte ranges inside the data area, sizes that match shapes, and no two
 * tensors sharing bytes.
 */
public final class SafetensorsFile implements TensorSource {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Headers larger than this are not plausible (the format's own reference caps them at 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path file;
    private final Arena arena;
    private final MemorySegment mapped;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, Arena arena, MemorySegment mapped, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.mapped = mapped;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(file + ": truncated safetensors file (" + size
                        + " bytes, the 8-byte header length is missing)");
            }
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file + ": implausible header length " + headerLength
                        + " (not a safetensors file?)");
            }
            if (8 + headerLength > size) {
                throw new SafetensorsException(file + ": truncated safetensors file: header of " + headerLength
                        + " bytes but the file has " + size + " bytes");
            }
            byte[] header = mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, new String(header, StandardCharsets.UTF_8),
                    dataStart, dataSize, metadata);
            return new SafetensorsFile(file, arena, mapped, tensors, Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path file, String header, long dataStart, long dataSize,
                                                       Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw new SafetensorsException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file + ": header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if (name.equals("__metadata__")) {
                if (node.isObject()) {
                    node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                }
                continue;
            }
            String where = "tensor " + name + " in " + file;
            if (!node.isObject() || !node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
                throw new SafetensorsException(where + ": header entry needs dtype, shape and data_offsets");
            }
            String dtypeName = node.get("dtype").asString();
            DType dtype = DType.fromSafetensors(dtypeName);
            if (dtype == null) {
                throw new SafetensorsException(where + ": unsupported dtype " + dtypeName + " (F32, F16 and BF16 are)");
            }
            JsonNode shapeNode = node.get("shape");
            JsonNode offsets = node.get("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new SafetensorsException(where + ": shape must be an array and data_offsets a pair");
            }
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) {
                    throw new SafetensorsException(where + ": bad dimension " + d + " in shape " + shapeNode);
                }
                shape[i] = d.asLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin) {
                throw new SafetensorsException(where + ": bad data_offsets " + offsets);
            }
            if (end > dataSize) {
                throw new SafetensorsException(where + ": data_offsets " + offsets + " run past the end of the data ("
                        + dataSize + " bytes): the file is truncated or the header is wrong");
            }
            long expected = count * dtype.byteSize();
            if (end - begin != expected) {
                throw new SafetensorsException(where + ": shape " + shapeNode + " of " + dtypeName + " needs "
                        + expected + " bytes but data_offsets " + offsets + " cover " + (end - begin));
            }
            tensors.put(name, new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin));
        }
        checkNoOverlap(file, tensors.values());
        return tensors;
    }

    private static void checkNoOverlap(Path file, java.util.Collection<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::byteOffset));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.byteLength() > 0 && prev.byteOffset() + prev.byteLength() > cur.byteOffset()) {
                throw new SafetensorsException(file + ": tensors " + prev.name() + " and " + cur.name()
                        + " have overlapping data_offsets");
            }
        }
    }

    @Override
    public Path origin() {
        return file;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException("missing tensor " + name + " in " + file);
        }
        return info;
    }

    @Override
    public MemorySegment data(String name) {
        TensorInfo info = info(name);
        return mapped.asSlice(info.byteOffset(), info.byteLength()).asReadOnly();
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }
}
