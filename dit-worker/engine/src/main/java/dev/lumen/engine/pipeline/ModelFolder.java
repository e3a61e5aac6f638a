package dev.lumen.engine.pipeline;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.config.JsonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * A diffusers pipeline folder as published on the Hub ({@code model_index.json} plus one sub-folder
 * per component, each with its {@code config.json}). The transformer and scheduler sub-folders can
 * be overridden (e.g. a checkpoint shipping an LCM scheduler beside the default one). PixArt-Σ
 * pipelines take 300 caption tokens, PixArt-α and LCM 120.
 */
public record ModelFolder(Path root, String pipelineClass, Path transformer, Path textEncoder, Path tokenizer,
                          Path vae, Path scheduler) {

    public static ModelFolder open(Path root) {
        return open(root, null, null);
    }

    public static ModelFolder open(Path root, String transformerSubdir, String schedulerSubdir) {
        if (!Files.isDirectory(root)) {
            throw new ConfigException("model folder " + root + " does not exist or is not a folder");
        }
        JsonConfig index = JsonConfig.read(root.resolve("model_index.json"));
        String cls = index.optString("_class_name", "PixArtAlphaPipeline");
        if (!cls.equals("PixArtAlphaPipeline") && !cls.equals("PixArtSigmaPipeline")) {
            throw new ConfigException(index.file() + ": _class_name \"" + cls
                    + "\" is not a PixArt pipeline (PixArtAlphaPipeline or PixArtSigmaPipeline)");
        }
        for (String component : new String[] {"transformer", "text_encoder", "tokenizer", "vae", "scheduler"}) {
            JsonNode entry = index.root().get(component);
            if (entry == null || !entry.isArray() || entry.size() != 2 || entry.get(1).isNull()) {
                throw new ConfigException(index.file() + ": component \"" + component + "\" is missing; a PixArt "
                        + "pipeline needs transformer, text_encoder, tokenizer, vae and scheduler");
            }
        }
        return new ModelFolder(root, cls,
                component(root, transformerSubdir == null ? "transformer" : transformerSubdir, "config.json"),
                component(root, "text_encoder", "config.json"),
                component(root, "tokenizer", "spiece.model"),
                component(root, "vae", "config.json"),
                component(root, schedulerSubdir == null ? "scheduler" : schedulerSubdir, "scheduler_config.json"));
    }

    private static Path component(Path root, String subdir, String requiredFile) {
        Path dir = root.resolve(subdir).normalize();
        if (!dir.startsWith(root.normalize())) {
            throw new ConfigException("component folder " + subdir + " must be inside " + root);
        }
        if (!Files.isRegularFile(dir.resolve(requiredFile))) {
            throw new ConfigException("model folder " + root + ": " + subdir + "/" + requiredFile + " is missing");
        }
        return dir;
    }

    /** The caption length the reference pipeline pads and truncates to. */
    public int maxSequenceLength() {
        return pipelineClass.equals("PixArtSigmaPipeline") ? 300 : 120;
    }
}
