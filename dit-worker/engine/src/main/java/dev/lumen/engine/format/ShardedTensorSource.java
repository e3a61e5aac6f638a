package dev.lumen.engine.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A checkpoint split over several safetensors files, described by an index
 * ({@code {"metadata": {...}, "weight_map": {tensor: shard file}}}), as transformers and diffusers
 * write them. Every shard is opened (mapped) up front so a missing or broken shard fails at load
 * time, and every tensor of the index must be in the shard the index names.
 */
public final class ShardedTensorSource implements TensorSource {
    private final Path index;
    private final Map<String, SafetensorsFile> byTensor;
    private final Map<String, SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedTensorSource(Path index, Map<String, SafetensorsFile> byTensor, Map<String, SafetensorsFile> shards,
                                Map<String, String> metadata) {
        this.index = index;
        this.byTensor = byTensor;
        this.shards = shards;
        this.metadata = metadata;
    }

    public static ShardedTensorSource open(Path index) {
        JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(Files.readString(index));
        } catch (IOException | JacksonException e) {
            throw new SafetensorsException(index + ": cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsException(index + ": shard index has no weight_map object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                String shardName = e.getValue().asString();
                if (shardName.contains("/") || shardName.contains("\\")) {
                    throw new SafetensorsException(index + ": shard name " + shardName + " for tensor " + e.getKey()
                            + " must be a file name beside the index");
                }
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = index.resolveSibling(shardName);
                    if (!Files.exists(shardPath)) {
                        throw new SafetensorsException(index + ": shard " + shardName + " (holding tensor " + e.getKey()
                                + ") is missing");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new SafetensorsException("missing tensor " + e.getKey() + " in " + shard.origin()
                            + " (the index " + index.getFileName() + " places it there)");
                }
                byTensor.put(e.getKey(), shard);
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        shards.values().forEach(s -> metadata.putAll(s.metadata()));
        JsonNode indexMeta = root.get("metadata");
        if (indexMeta != null && indexMeta.isObject()) {
            indexMeta.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
        }
        return new ShardedTensorSource(index, byTensor, shards, Collections.unmodifiableMap(metadata));
    }

    @Override
    public Path origin() {
        return index;
    }

    @Override
    public Set<String> names() {
        return byTensor.keySet();
    }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile shard = byTensor.get(name);
        if (shard == null) {
            throw new SafetensorsException("missing tensor " + name + " in " + index);
        }
        return shard;
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public MemorySegment data(String name) {
        return shardOf(name).data(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        shards.values().forEach(SafetensorsFile::close);
    }
}
