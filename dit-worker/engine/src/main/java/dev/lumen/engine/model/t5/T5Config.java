package dev.lumen.engine.model.t5;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.config.JsonConfig;
import java.nio.file.Path;

/**
 * The fields of a transformers {@code T5Config} that the encoder uses. Only T5 v1.1's gated
 * GELU-tanh feed-forward ({@code feed_forward_proj: "gated-gelu"}) is supported: it is what every
 * PixArt text encoder (t5-v1_1-xxl) is.
 */
public record T5Config(int vocabSize, int dModel, int dKv, int numHeads, int numLayers, int dFf,
                       int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, float layerNormEpsilon) {

    public int innerDim() {
        return dKv * numHeads;
    }

    public static T5Config read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String proj = c.optString("feed_forward_proj", "relu");
        if (!proj.equals("gated-gelu")) {
            throw new ConfigException(configJson + ": field \"feed_forward_proj\" is \"" + proj
                    + "\"; only \"gated-gelu\" (T5 v1.1, as PixArt uses) is supported");
        }
        T5Config cfg = new T5Config(
                c.requireInt("vocab_size"), c.requireInt("d_model"), c.requireInt("d_kv"), c.requireInt("num_heads"),
                c.requireInt("num_layers"), c.requireInt("d_ff"),
                c.optInt("relative_attention_num_buckets", 32), c.optInt("relative_attention_max_distance", 128),
                (float) c.optDouble("layer_norm_epsilon", 1e-6));
        c.requirePositive("d_model", cfg.dModel);
        c.requirePositive("d_kv", cfg.dKv);
        c.requirePositive("num_heads", cfg.numHeads);
        c.requirePositive("num_layers", cfg.numLayers);
        c.requirePositive("d_ff", cfg.dFf);
        return cfg;
    }
}
