package dev.lumen.engine.model.pixart;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.config.JsonConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * A PixArt transformer's {@code config.json} with diffusers' default rules applied:
 * {@code interpolation_scale} = max(sample_size // 64, 1) and {@code use_additional_conditions} =
 * (sample_size == 128) when absent or null. Accepts both class spellings of the published
 * checkpoints ({@code Transformer2DModel} with {@code norm_type: ada_norm_single}, which diffusers
 * remaps, and {@code PixArtTransformer2DModel}).
 */
public record PixArtConfig(int numHeads, int headDim, int numLayers, int patchSize, int inChannels, int outChannels,
                           int sampleSize, int captionChannels, int crossAttentionDim, float normEps,
                           double interpolationScale, boolean useAdditionalConditions) {

    private static final Set<String> CLASSES = Set.of("Transformer2DModel", "PixArtTransformer2DModel");

    public int hiddenSize() {
        return numHeads * headDim;
    }

    /** The grid size positions are normalised to: sample_size // patch_size. */
    public int baseSize() {
        return sampleSize / patchSize;
    }

    /** The learned-sigma models predict 2× the input channels; the samplers keep the first half. */
    public boolean learnedSigma() {
        return outChannels == 2 * inChannels;
    }

    public static PixArtConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String cls = c.optString("_class_name", "PixArtTransformer2DModel");
        if (!CLASSES.contains(cls)) {
            throw new ConfigException(configJson + ": _class_name \"" + cls + "\" is not a PixArt transformer");
        }
        String norm = c.optString("norm_type", "ada_norm_single");
        if (!norm.equals("ada_norm_single")) {
            throw new ConfigException(configJson + ": field \"norm_type\" is \"" + norm
                    + "\"; PixArt transformers use \"ada_norm_single\"");
        }
        String act = c.optString("activation_fn", "gelu-approximate");
        if (!act.equals("gelu-approximate")) {
            throw new ConfigException(configJson + ": field \"activation_fn\" is \"" + act
                    + "\"; PixArt transformers use \"gelu-approximate\"");
        }
        if (!c.optBoolean("attention_bias", true)) {
            throw new ConfigException(configJson + ": field \"attention_bias\" must be true for PixArt");
        }
        int sampleSize = c.requireInt("sample_size");
        int heads = c.requireInt("num_attention_heads");
        int headDim = c.requireInt("attention_head_dim");
        int inChannels = c.requireInt("in_channels");
        int outChannels = c.optInt("out_channels", inChannels);
        int crossDim = c.optInt("cross_attention_dim", heads * headDim);
        if (crossDim != heads * headDim) {
            throw new ConfigException(configJson + ": field \"cross_attention_dim\" (" + crossDim
                    + ") must equal num_attention_heads × attention_head_dim (" + heads * headDim + ")");
        }
        double interpolation = c.has("interpolation_scale") ? c.requireDouble("interpolation_scale")
                : Math.max(sampleSize / 64, 1);
        Boolean additional = c.optBooleanOrNull("use_additional_conditions");
        PixArtConfig cfg = new PixArtConfig(heads, headDim, c.requireInt("num_layers"), c.requireInt("patch_size"),
                inChannels, outChannels, sampleSize, c.requireInt("caption_channels"), crossDim,
                (float) c.optDouble("norm_eps", 1e-6), interpolation,
                additional != null ? additional : sampleSize == 128);
        c.requirePositive("num_attention_heads", heads);
        c.requirePositive("attention_head_dim", headDim);
        c.requirePositive("patch_size", cfg.patchSize);
        c.requirePositive("sample_size", sampleSize);
        if (cfg.hiddenSize() % 4 != 0) {
            throw new ConfigException(configJson + ": hidden size " + cfg.hiddenSize()
                    + " must be divisible by 4 for the 2-D sin-cos position embedding");
        }
        return cfg;
    }
}
