package dev.lumen.engine.model.vae;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.config.JsonConfig;
import java.nio.file.Path;

/** The fields of an {@code AutoencoderKL} config that decoding uses, with diffusers' defaults. */
public record VaeConfig(int[] blockOutChannels, int layersPerBlock, int latentChannels, int outChannels,
                        int normNumGroups, float scalingFactor, double shiftFactor, boolean usePostQuantConv,
                        boolean midBlockAttention) {

    /** Pixels per latent cell: 2^(number of blocks − 1). */
    public int scaleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    public static VaeConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String cls = c.optString("_class_name", "AutoencoderKL");
        if (!cls.equals("AutoencoderKL")) {
            throw new ConfigException(configJson + ": _class_name \"" + cls + "\" is not supported (AutoencoderKL is)");
        }
        String act = c.optString("act_fn", "silu");
        if (!act.equals("silu")) {
            throw new ConfigException(configJson + ": field \"act_fn\" is \"" + act + "\"; only \"silu\" is supported");
        }
        int[] channels = c.has("block_out_channels") ? c.requireIntArray("block_out_channels") : new int[] {64};
        if (channels.length == 0) {
            throw new ConfigException(configJson + ": field \"block_out_channels\" is empty");
        }
        VaeConfig cfg = new VaeConfig(channels, c.optInt("layers_per_block", 1), c.optInt("latent_channels", 4),
                c.optInt("out_channels", 3), c.optInt("norm_num_groups", 32),
                (float) c.optDouble("scaling_factor", 0.18215), c.optDouble("shift_factor", 0.0),
                c.optBoolean("use_post_quant_conv", true), c.optBoolean("mid_block_add_attention", true));
        for (int ch : channels) {
            if (ch % cfg.normNumGroups != 0) {
                throw new ConfigException(configJson + ": block_out_channels " + ch + " is not divisible by norm_num_groups "
                        + cfg.normNumGroups);
            }
        }
        return cfg;
    }
}
