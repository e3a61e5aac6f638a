package dev.lumen.worker.models;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which files of a published diffusers repository the PixArt pipeline reads, so a pull skips the
 * rest (PyTorch {@code .bin} twins, fp16 variants, other formats, images, components the pipeline
 * does not declare). From {@code model_index.json} it takes the declared components; in each
 * component folder the small files (JSON configs, tokenizer files such as {@code spiece.model})
 * and the weights the engine would open there: one {@code *.safetensors.index.json} and every
 * shard its {@code weight_map} names, else the one {@code *.safetensors} file (variant files such
 * as {@code *.fp16.safetensors} are not the default; the same rule as the engine's
 * {@code TensorSource}). Every {@code scheduler_config.json} in the repository comes along too
 * (tiny; the worker may serve a second sampler from a folder such as {@code scheduler-lcm/}).
 */
public final class PipelineFiles {
    public static final String MODEL_INDEX = "model_index.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SHARD = Pattern.compile(".*-\\d{5}-of-\\d{5}\\.safetensors");
    private static final Pattern VARIANT = Pattern.compile(".*\\.(fp16|bf16|fp32)\\.safetensors(\\.index\\.json)?");
    private static final Set<String> SMALL_SUFFIXES = Set.of(".json", ".txt", ".model");

    private PipelineFiles() {
    }

    /**
     * Selects from {@code available} (paths relative to the repository root, '/'-separated).
     *
     * @param read   reads a small file of the repository (model_index.json, weight indexes)
     * @param source names the repository in errors
     * @throws ModelDownloadException if the repository is not a pipeline or a component's weights are ambiguous or missing
     */
    public static List<String> select(Collection<String> available, Function<String, byte[]> read, String source) {
        Set<String> all = new TreeSet<>(available);
        if (!all.contains(MODEL_INDEX)) {
            throw new ModelDownloadException(source + " has no " + MODEL_INDEX + " at its root: not a diffusers pipeline"
                    + " (files: " + abbreviate(all) + ")");
        }
        Set<String> chosen = new TreeSet<>();
        chosen.add(MODEL_INDEX);
        for (String component : components(read.apply(MODEL_INDEX), source)) {
            List<String> files = all.stream().filter(p -> p.startsWith(component + "/")
                    && p.indexOf('/', component.length() + 1) < 0).toList();
            if (files.isEmpty()) {
                throw new ModelDownloadException(source + ": model_index.json declares component '" + component
                        + "' but the repository has no files in " + component + "/");
            }
            for (String file : files) {
                String name = file.substring(component.length() + 1);
                if (isSmall(name)) {
                    chosen.add(file);
                }
            }
            chosen.addAll(weights(component, files, read, source));
        }
        for (String file : all) {
            if (file.endsWith("/scheduler_config.json") && file.indexOf('/') == file.lastIndexOf('/')) {
                chosen.add(file);
            }
        }
        return List.copyOf(chosen);
    }

    /** Component folders model_index.json declares: keys without a leading '_' whose value is [library, class]. */
    static List<String> components(byte[] modelIndex, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(modelIndex);
        } catch (JacksonException e) {
            throw new ModelDownloadException(source + ": model_index.json is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelDownloadException(source + ": model_index.json is not a JSON object");
        }
        List<String> components = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            if (!e.getKey().startsWith("_") && v.isArray() && v.size() == 2 && !v.get(1).isNull()) {
                if (!e.getKey().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                    throw new ModelDownloadException(source + ": model_index.json names an invalid component folder '"
                            + e.getKey() + "'");
                }
                components.add(e.getKey());
            }
        }
        if (components.isEmpty()) {
            throw new ModelDownloadException(source + ": model_index.json declares no components (entries such as"
                    + " \"transformer\": [\"diffusers\", \"Transformer2DModel\"])");
        }
        return components;
    }

    private static boolean isSmall(String name) {
        if (name.endsWith(".index.json")) {
            return false; // safetensors indexes are chosen by the weights rule; others (pytorch_model.bin.index.json) are not read
        }
        return SMALL_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    private static List<String> weights(String component, List<String> files, Function<String, byte[]> read, String source) {
        List<String> indexes = files.stream().filter(f -> f.endsWith(".safetensors.index.json") && !VARIANT.matcher(f).matches())
                .toList();
        if (indexes.size() > 1) {
            throw new ModelDownloadException(source + ": " + component + "/ has several weight indexes " + indexes
                    + "; the engine would not know which to load");
        }
        if (indexes.size() == 1) {
            String index = indexes.getFirst();
            List<String> chosen = new ArrayList<>();
            chosen.add(index);
            for (String shard : shards(read.apply(index), index, source)) {
                String path = component + "/" + shard;
                if (!files.contains(path)) {
                    throw new ModelDownloadException(source + ": " + index + " names shard " + shard
                            + ", which the repository does not have");
                }
                chosen.add(path);
            }
            return chosen;
        }
        List<String> singles = files.stream().filter(f -> f.endsWith(".safetensors") && !SHARD.matcher(f).matches()
                && !VARIANT.matcher(f).matches()).toList();
        if (singles.size() > 1) {
            throw new ModelDownloadException(source + ": " + component + "/ has several safetensors files " + singles
                    + " and no index; the engine would not know which to load");
        }
        if (singles.isEmpty() && files.stream().anyMatch(f -> f.endsWith(".bin") || f.endsWith(".ckpt") || f.endsWith(".pt"))) {
            throw new ModelDownloadException(source + ": " + component + "/ has PyTorch weights only; Lumen reads safetensors"
                    + " (convert them, or pick a revision that has safetensors)");
        }
        return singles;
    }

    /** The distinct shard file names of an index's weight_map, in order of first appearance. */
    private static List<String> shards(byte[] indexJson, String index, String source) {
        JsonNode map;
        try {
            JsonNode root = JSON.readTree(indexJson);
            map = root == null ? null : root.get("weight_map");
        } catch (JacksonException e) {
            throw new ModelDownloadException(source + ": " + index + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelDownloadException(source + ": " + index + " has no weight_map");
        }
        Set<String> shards = new java.util.LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String file = e.getValue().isString() ? e.getValue().asString() : "";
            if (!file.matches("[A-Za-z0-9][A-Za-z0-9._-]*\\.safetensors")) {
                throw new ModelDownloadException(source + ": " + index + " maps tensor " + e.getKey()
                        + " to an invalid shard name '" + file + "'");
            }
            shards.add(file);
        }
        return List.copyOf(shards);
    }

    private static String abbreviate(Set<String> files) {
        List<String> list = new ArrayList<>(files);
        return list.size() <= 10 ? list.toString() : list.subList(0, 10) + " and " + (list.size() - 10) + " more";
    }
}
