package dev.lumen.engine.tools;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a full-size checkpoint with random weights in the exact published diffusers layout of a
 * PixArt model (tensor names, shapes, configs, sharded T5), so that benchmarks exercise the real
 * shapes and loading path without downloads. Weights are uniform with the variance of a
 * 1/√fan_in normal (deterministic per tensor name), norms near 1, scale-shift tables small. The
 * tokenizer is the bundled test SentencePiece model: T5's own cannot be downloaded here, and its
 * ids stay inside the 32128-row embedding table.
 */
public final class RandomCheckpoint {

    /** The published configurations this can imitate. */
    public enum Preset {
        PIXART_XL_2_256("PixArt-XL-2-256x256", 32, false, 120),
        PIXART_XL_2_512("PixArt-XL-2-512x512", 64, false, 120),
        PIXART_XL_2_1024_MS("PixArt-XL-2-1024-MS", 128, true, 120),
        PIXART_LCM_XL_2_1024_MS("PixArt-LCM-XL-2-1024-MS", 128, true, 120),
        PIXART_SIGMA_XL_2_1024_MS("PixArt-Sigma-XL-2-1024-MS", 128, false, 300);

        final String publishedName;
        final int sampleSize;
        final boolean microConditions;
        final int maxTokens;

        Preset(String publishedName, int sampleSize, boolean microConditions, int maxTokens) {
            this.publishedName = publishedName;
            this.sampleSize = sampleSize;
            this.microConditions = microConditions;
            this.maxTokens = maxTokens;
        }

        public String publishedName() {
            return publishedName;
        }

        public static Preset byName(String name) {
            for (Preset p : values()) {
                if (p.publishedName.equalsIgnoreCase(name) || p.name().equalsIgnoreCase(name)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown config " + name + "; known: "
                    + java.util.Arrays.stream(values()).map(Preset::publishedName).toList());
        }
    }

    private static final int D = 1152;
    private static final int LAYERS = 28;
    private static final int T5_D = 4096;
    private static final int T5_FF = 10240;
    private static final int T5_LAYERS = 24;
    private static final int T5_HEADS = 64;
    private static final int T5_VOCAB = 32128;
    /** T5-XXL in bf16 is ~9.5 GB: two shards like the published fp16 variant. */
    private static final long SHARD_BYTES = 5L << 30;

    private final Preset preset;
    private final DType dtype;
    private final Consumer<String> log;

    public RandomCheckpoint(Preset preset, DType dtype, Consumer<String> log) {
        this.preset = preset;
        this.dtype = dtype;
        this.log = log;
    }

    public void write(Path out) throws IOException {
        Files.createDirectories(out);
        boolean sigma = preset == Preset.PIXART_SIGMA_XL_2_1024_MS;
        boolean lcm = preset == Preset.PIXART_LCM_XL_2_1024_MS;
        writeScheduler(out.resolve("scheduler"), lcm);
        writeTokenizer(out.resolve("tokenizer"));
        writeTransformer(out.resolve("transformer"));
        writeVae(out.resolve("vae"), sigma ? 0.13025 : 0.18215);
        writeTextEncoder(out.resolve("text_encoder"));
        // Written last: a folder with model_index.json is complete (an interrupted run leaves none).
        Files.writeString(out.resolve("model_index.json"), """
                {
                  "_class_name": "%s",
                  "_diffusers_version": "0.31.0",
                  "scheduler": ["diffusers", "%s"],
                  "text_encoder": ["transformers", "T5EncoderModel"],
                  "tokenizer": ["transformers", "T5Tokenizer"],
                  "transformer": ["diffusers", "Transformer2DModel"],
                  "vae": ["diffusers", "AutoencoderKL"]
                }
                """.formatted(sigma ? "PixArtSigmaPipeline" : "PixArtAlphaPipeline",
                lcm ? "LCMScheduler" : "DPMSolverMultistepScheduler"));
    }

    private void writeScheduler(Path dir, boolean lcm) throws IOException {
        Files.createDirectories(dir);
        String config = lcm ? """
                {
                  "_class_name": "LCMScheduler",
                  "_diffusers_version": "0.22.0.dev0",
                  "beta_end": 0.02,
                  "beta_schedule": "linear",
                  "beta_start": 0.0001,
                  "clip_sample": false,
                  "num_train_timesteps": 1000,
                  "original_inference_steps": 50,
                  "prediction_type": "epsilon",
                  "set_alpha_to_one": true,
                  "steps_offset": 0,
                  "thresholding": false,
                  "timestep_spacing": "leading",
                  "trained_betas": null
                }
                """ : """
                {
                  "_class_name": "DPMSolverMultistepScheduler",
                  "_diffusers_version": "0.22.0.dev0",
                  "algorithm_type": "dpmsolver++",
                  "beta_end": 0.02,
                  "beta_schedule": "linear",
                  "beta_start": 0.0001,
                  "dynamic_thresholding_ratio": 0.995,
                  "euler_at_final": false,
                  "lambda_min_clipped": -Infinity,
                  "lower_order_final": true,
                  "num_train_timesteps": 1000,
                  "prediction_type": "epsilon",
                  "sample_max_value": 1.0,
                  "solver_order": 2,
                  "solver_type": "midpoint",
                  "steps_offset": 0,
                  "thresholding": false,
                  "timestep_spacing": "linspace",
                  "trained_betas": null,
                  "use_karras_sigmas": false,
                  "use_lu_lambdas": false,
                  "variance_type": null
                }
                """;
        Files.writeString(dir.resolve("scheduler_config.json"), config);
    }

    private void writeTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (InputStream in = RandomCheckpoint.class.getResourceAsStream("/lumen/random-model/spiece.model")) {
            if (in == null) {
                throw new IOException("bundled tokenizer /lumen/random-model/spiece.model missing from the classpath");
            }
            Files.copy(in, dir.resolve("spiece.model"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve("special_tokens_map.json"),
                "{\"eos_token\": \"</s>\", \"pad_token\": \"<pad>\", \"unk_token\": \"<unk>\"}\n");
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"model_max_length\": 512, \"legacy\": true, \"extra_ids\": 100, \"tokenizer_class\": \"T5Tokenizer\"}\n");
    }

    /**
     * The transformer {@code config.json} of the preset, with exactly the published field set
     * (absent fields take diffusers' default rules, as on the Hub; Σ states its two explicitly).
     */
    public String transformerConfigJson() {
        StringBuilder extra = new StringBuilder();
        if (preset == Preset.PIXART_SIGMA_XL_2_1024_MS) {
            extra.append("  \"interpolation_scale\": 2,\n  \"use_additional_conditions\": false,\n");
        }
        return """
                {
                  "_class_name": "Transformer2DModel",
                  "_diffusers_version": "0.22.0.dev0",
                  "activation_fn": "gelu-approximate",
                  "attention_bias": true,
                  "attention_head_dim": 72,
                  "attention_type": "default",
                  "caption_channels": 4096,
                  "cross_attention_dim": 1152,
                  "double_self_attention": false,
                  "dropout": 0.0,
                  "in_channels": 4,
                %s  "norm_elementwise_affine": false,
                  "norm_eps": 1e-06,
                  "norm_num_groups": 32,
                  "norm_type": "ada_norm_single",
                  "num_attention_heads": 16,
                  "num_embeds_ada_norm": 1000,
                  "num_layers": 28,
                  "num_vector_embeds": null,
                  "only_cross_attention": false,
                  "out_channels": 8,
                  "patch_size": 2,
                  "sample_size": %d,
                  "upcast_attention": false,
                  "use_linear_projection": false
                }
                """.formatted(extra, preset.sampleSize);
    }

    private void writeTransformer(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), transformerConfigJson());
        Tensors t = new Tensors();
        t.matrix("pos_embed.proj.weight", D, 4, 2, 2).bias("pos_embed.proj.bias", D);
        t.linear("caption_projection.linear_1", D, 4096).linear("caption_projection.linear_2", D, D);
        t.linear("adaln_single.emb.timestep_embedder.linear_1", D, 256)
                .linear("adaln_single.emb.timestep_embedder.linear_2", D, D);
        if (preset.microConditions) {
            t.linear("adaln_single.emb.resolution_embedder.linear_1", 384, 256)
                    .linear("adaln_single.emb.resolution_embedder.linear_2", 384, 384)
                    .linear("adaln_single.emb.aspect_ratio_embedder.linear_1", 384, 256)
                    .linear("adaln_single.emb.aspect_ratio_embedder.linear_2", 384, 384);
        }
        t.linear("adaln_single.linear", 6 * D, D);
        for (int l = 0; l < LAYERS; l++) {
            String b = "transformer_blocks." + l + ".";
            t.small(b + "scale_shift_table", 0.4, 6, D);
            for (String a : new String[] {"attn1", "attn2"}) {
                t.linear(b + a + ".to_q", D, D).linear(b + a + ".to_k", D, D).linear(b + a + ".to_v", D, D)
                        .linear(b + a + ".to_out.0", D, D);
            }
            t.linear(b + "ff.net.0.proj", 4 * D, D).linear(b + "ff.net.2", D, 4 * D);
        }
        t.small("scale_shift_table", 0.4, 2, D);
        t.linear("proj_out", 32, D);
        t.writeSingle(dir.resolve("diffusion_pytorch_model.safetensors"));
    }

    private void writeVae(Path dir, double scaling) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {
                  "_class_name": "AutoencoderKL",
                  "_diffusers_version": "0.22.0.dev0",
                  "act_fn": "silu",
                  "block_out_channels": [128, 256, 512, 512],
                  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
                  "in_channels": 3,
                  "latent_channels": 4,
                  "layers_per_block": 2,
                  "norm_num_groups": 32,
                  "out_channels": 3,
                  "sample_size": 512,
                  "scaling_factor": %s,
                  "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
                }
                """.formatted(Double.toString(scaling)));
        Tensors t = new Tensors();
        int[] ch = {128, 256, 512, 512};
        // Encoder (published files carry it; decoding does not use it).
        t.conv("encoder.conv_in", 128, 3, 3);
        int prev = 128;
        for (int i = 0; i < 4; i++) {
            for (int r = 0; r < 2; r++) {
                t.resnet("encoder.down_blocks." + i + ".resnets." + r, r == 0 ? prev : ch[i], ch[i]);
            }
            if (i < 3) {
                t.conv("encoder.down_blocks." + i + ".downsamplers.0.conv", ch[i], ch[i], 3);
            }
            prev = ch[i];
        }
        midBlock(t, "encoder.mid_block", 512);
        t.norm("encoder.conv_norm_out", 512).conv("encoder.conv_out", 8, 512, 3);
        t.conv("quant_conv", 8, 8, 1).conv("post_quant_conv", 4, 4, 1);
        t.conv("decoder.conv_in", 512, 4, 3);
        midBlock(t, "decoder.mid_block", 512);
        prev = 512;
        for (int i = 0; i < 4; i++) {
            int out = ch[3 - i];
            for (int r = 0; r < 3; r++) {
                t.resnet("decoder.up_blocks." + i + ".resnets." + r, r == 0 ? prev : out, out);
            }
            if (i < 3) {
                t.conv("decoder.up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
            }
            prev = out;
        }
        t.norm("decoder.conv_norm_out", 128).conv("decoder.conv_out", 3, 128, 3);
        t.writeSingle(dir.resolve("diffusion_pytorch_model.safetensors"));
    }

    private static void midBlock(Tensors t, String p, int c) {
        t.resnet(p + ".resnets.0", c, c).resnet(p + ".resnets.1", c, c);
        String a = p + ".attentions.0";
        t.norm(a + ".group_norm", c).linear(a + ".to_q", c, c).linear(a + ".to_k", c, c).linear(a + ".to_v", c, c)
                .linear(a + ".to_out.0", c, c);
    }

    private void writeTextEncoder(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {
                  "architectures": ["T5EncoderModel"],
                  "d_ff": 10240,
                  "d_kv": 64,
                  "d_model": 4096,
                  "dense_act_fn": "gelu_new",
                  "dropout_rate": 0.1,
                  "eos_token_id": 1,
                  "feed_forward_proj": "gated-gelu",
                  "is_encoder_decoder": true,
                  "is_gated_act": true,
                  "layer_norm_epsilon": 1e-06,
                  "model_type": "t5",
                  "num_decoder_layers": 24,
                  "num_heads": 64,
                  "num_layers": 24,
                  "pad_token_id": 0,
                  "relative_attention_max_distance": 128,
                  "relative_attention_num_buckets": 32,
                  "tie_word_embeddings": false,
                  "torch_dtype": "%s",
                  "vocab_size": 32128
                }
                """.formatted(dtype == DType.F32 ? "float32" : dtype == DType.F16 ? "float16" : "bfloat16"));
        Tensors t = new Tensors();
        t.normal("shared.weight", 1.0, T5_VOCAB, T5_D);
        for (int l = 0; l < T5_LAYERS; l++) {
            String b = "encoder.block." + l + ".";
            double qStd = 1.0 / Math.sqrt((double) T5_D * 64);
            t.normal(b + "layer.0.SelfAttention.q.weight", qStd, T5_D, T5_D);
            t.matrix(b + "layer.0.SelfAttention.k.weight", T5_D, T5_D)
                    .matrix(b + "layer.0.SelfAttention.v.weight", T5_D, T5_D)
                    .matrix(b + "layer.0.SelfAttention.o.weight", T5_D, T5_D);
            if (l == 0) {
                t.small(b + "layer.0.SelfAttention.relative_attention_bias.weight", 0.5, 32, T5_HEADS);
            }
            t.ones(b + "layer.0.layer_norm.weight", T5_D);
            t.matrix(b + "layer.1.DenseReluDense.wi_0.weight", T5_FF, T5_D)
                    .matrix(b + "layer.1.DenseReluDense.wi_1.weight", T5_FF, T5_D)
                    .matrix(b + "layer.1.DenseReluDense.wo.weight", T5_D, T5_FF);
            t.ones(b + "layer.1.layer_norm.weight", T5_D);
        }
        t.ones("encoder.final_layer_norm.weight", T5_D);
        t.writeSharded(dir, "model", SHARD_BYTES);
    }

    /** The tensors of one component in file order, each with its deterministic random filler. */
    private final class Tensors {
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private final Map<String, SafetensorsWriter.Filler> fillers = new LinkedHashMap<>();

        Tensors normal(String name, double std, long... shape) {
            shapes.put(name, shape);
            long seed = name.hashCode() * 0x9E3779B97F4A7C15L;
            // Uniform in ±√3·std has the variance of N(0, std²) and is much cheaper to draw.
            float half = (float) (Math.sqrt(3) * std);
            fillers.put(name, (from, chunk) -> {
                SplittableRandom r = new SplittableRandom(seed ^ (from * 0xBF58476D1CE4E5B9L));
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (r.nextFloat() * 2f - 1f) * half;
                }
            });
            return this;
        }

        Tensors matrix(String name, long... shape) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            return normal(name, 1.0 / Math.sqrt(fanIn), shape);
        }

        Tensors small(String name, double std, long... shape) {
            return normal(name, std, shape);
        }

        Tensors bias(String name, long n) {
            return normal(name, 0.02, n);
        }

        Tensors ones(String name, long n) {
            shapes.put(name, new long[] {n});
            fillers.put(name, (from, chunk) -> java.util.Arrays.fill(chunk, 1f));
            return this;
        }

        Tensors linear(String name, long out, long in) {
            return matrix(name + ".weight", out, in).bias(name + ".bias", out);
        }

        Tensors conv(String name, long out, long in, int k) {
            return matrix(name + ".weight", out, in, k, k).bias(name + ".bias", out);
        }

        Tensors norm(String name, long c) {
            ones(name + ".weight", c);
            return bias(name + ".bias", c);
        }

        Tensors resnet(String p, int in, int out) {
            norm(p + ".norm1", in).conv(p + ".conv1", out, in, 3).norm(p + ".norm2", out).conv(p + ".conv2", out, out, 3);
            if (in != out) {
                conv(p + ".conv_shortcut", out, in, 1);
            }
            return this;
        }

        private long bytes(long[] shape) {
            long n = dtype.byteSize();
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        void writeSingle(Path file) throws IOException {
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            shapes.forEach((name, shape) -> w.add(name, dtype, shape, fillers.get(name)));
            log.accept(String.format(Locale.ROOT, "writing %s (%.2f GB)", file, w.dataBytes() / 1e9));
            w.write(file);
        }

        /** transformers' sharded layout: model-0000i-of-0000n.safetensors plus model.safetensors.index.json. */
        void writeSharded(Path dir, String stem, long shardBytes) throws IOException {
            List<List<String>> shards = new ArrayList<>();
            List<String> current = new ArrayList<>();
            long size = 0;
            long total = 0;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long b = bytes(e.getValue());
                if (!current.isEmpty() && size + b > shardBytes) {
                    shards.add(current);
                    current = new ArrayList<>();
                    size = 0;
                }
                current.add(e.getKey());
                size += b;
                total += b;
            }
            shards.add(current);
            StringBuilder map = new StringBuilder();
            for (int s = 0; s < shards.size(); s++) {
                String file = String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", stem, s + 1, shards.size());
                SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
                for (String name : shards.get(s)) {
                    w.add(name, dtype, shapes.get(name), fillers.get(name));
                    map.append(map.isEmpty() ? "" : ",\n").append("    \"").append(name).append("\": \"").append(file).append('"');
                }
                log.accept(String.format(Locale.ROOT, "writing %s (%.2f GB)", dir.resolve(file), w.dataBytes() / 1e9));
                w.write(dir.resolve(file));
            }
            Files.writeString(dir.resolve(stem + ".safetensors.index.json"),
                    "{\n  \"metadata\": {\"total_size\": " + total + "},\n  \"weight_map\": {\n" + map + "\n  }\n}\n");
        }
    }
}
