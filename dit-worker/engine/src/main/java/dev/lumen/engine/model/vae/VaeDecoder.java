package dev.lumen.engine.model.vae;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.Weights;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * The decoder half of {@code AutoencoderKL}: post-quant 1×1 conv, conv_in, a mid block (resnet,
 * single-head spatial attention, resnet), up blocks of {@code layers_per_block + 1} resnets with
 * nearest ×2 upsampling + 3×3 conv between them, then GroupNorm, SiLU and conv_out. Input is the
 * raw latent; {@link #decode} divides by the scaling factor as the pipelines do.
 */
public final class VaeDecoder {
    private static final float EPS = 1e-6f;

    private record Conv(Tensor weight, Tensor bias) {
    }

    private record Norm(Tensor weight, Tensor bias) {
    }

    private record Resnet(Norm norm1, Conv conv1, Norm norm2, Conv conv2, Conv shortcut) {
    }

    private record Attention(Norm norm, Tensor q, Tensor qb, Tensor k, Tensor kb, Tensor v, Tensor vb, Tensor o,
                             Tensor ob) {
    }

    private record UpBlock(Resnet[] resnets, Conv upsample) {
    }

    private final VaeConfig config;
    private final Ops ops;
    private final Conv postQuant;
    private final Conv convIn;
    private final Resnet mid1;
    private final Attention midAttention;
    private final Resnet mid2;
    private final UpBlock[] upBlocks;
    private final Norm normOut;
    private final Conv convOut;

    public VaeDecoder(VaeConfig config, TensorSource source, Ops ops) {
        this.config = config;
        this.ops = ops;
        Weights w = new Weights(source, ops);
        int[] ch = config.blockOutChannels();
        int top = ch[ch.length - 1];
        int lat = config.latentChannels();
        this.postQuant = config.usePostQuantConv() ? conv(w, "post_quant_conv", lat, lat, 1) : null;
        Weights dec = w.at("decoder");
        this.convIn = conv(dec, "conv_in", top, lat, 3);
        this.mid1 = resnet(dec.at("mid_block.resnets.0"), top, top);
        this.midAttention = config.midBlockAttention() ? attention(dec.at("mid_block.attentions.0"), top) : null;
        this.mid2 = resnet(dec.at("mid_block.resnets.1"), top, top);
        // Up blocks run from the deepest channel count back to the first.
        this.upBlocks = new UpBlock[ch.length];
        int prev = top;
        for (int i = 0; i < ch.length; i++) {
            int out = ch[ch.length - 1 - i];
            Weights ub = dec.at("up_blocks." + i);
            Resnet[] resnets = new Resnet[config.layersPerBlock() + 1];
            for (int r = 0; r < resnets.length; r++) {
                resnets[r] = resnet(ub.at("resnets." + r), r == 0 ? prev : out, out);
            }
            Conv up = i < ch.length - 1 ? conv(ub, "upsamplers.0.conv", out, out, 3) : null;
            upBlocks[i] = new UpBlock(resnets, up);
            prev = out;
        }
        this.normOut = norm(dec, "conv_norm_out", ch[0]);
        this.convOut = conv(dec, "conv_out", config.outChannels(), ch[0], 3);
    }

    private static Conv conv(Weights w, String name, int out, int in, int k) {
        return new Conv(w.get(name + ".weight", out, in, k, k), w.get(name + ".bias", out));
    }

    private static Norm norm(Weights w, String name, int c) {
        return new Norm(w.get(name + ".weight", c), w.get(name + ".bias", c));
    }

    private static Resnet resnet(Weights w, int in, int out) {
        return new Resnet(norm(w, "norm1", in), conv(w, "conv1", out, in, 3), norm(w, "norm2", out),
                conv(w, "conv2", out, out, 3), in != out ? conv(w, "conv_shortcut", out, in, 1) : null);
    }

    private static Attention attention(Weights w, int c) {
        // Older checkpoints name the projections query/key/value/proj_attn; diffusers renames them on load.
        return new Attention(norm(w, "group_norm", c),
                w.getAny(new String[] {"to_q.weight", "query.weight"}, c, c), w.getAny(new String[] {"to_q.bias", "query.bias"}, c),
                w.getAny(new String[] {"to_k.weight", "key.weight"}, c, c), w.getAny(new String[] {"to_k.bias", "key.bias"}, c),
                w.getAny(new String[] {"to_v.weight", "value.weight"}, c, c), w.getAny(new String[] {"to_v.bias", "value.bias"}, c),
                w.getAny(new String[] {"to_out.0.weight", "proj_attn.weight"}, c, c),
                w.getAny(new String[] {"to_out.0.bias", "proj_attn.bias"}, c));
    }

    public VaeConfig config() {
        return config;
    }

    /** Latents as the sampler leaves them → image {@code [B, 3, H·f, W·f]}, roughly in [−1, 1] (not clamped). */
    public Tensor decode(Tensor latents) {
        float[] z = ops.toHost(latents);
        float inv = 1f / config.scalingFactor();
        for (int i = 0; i < z.length; i++) {
            z[i] = z[i] * inv + (float) config.shiftFactor();
        }
        return decodeScaled(ops.fromHost(z, latents.shape()));
    }

    /** Decodes latents already divided by the scaling factor (what {@code vae.decode} receives). */
    public Tensor decodeScaled(Tensor z) {
        Tensor x = postQuant == null ? z : stage(z, z, t -> conv(t, postQuant, 0));
        x = stage(x, z, t -> conv(t, convIn, 1));
        x = stage(x, z, t -> resnet(t, mid1));
        if (midAttention != null) {
            x = stage(x, z, t -> attention(t, midAttention));
        }
        x = stage(x, z, t -> resnet(t, mid2));
        for (UpBlock block : upBlocks) {
            for (Resnet r : block.resnets()) {
                x = stage(x, z, t -> resnet(t, r));
            }
            if (block.upsample() != null) {
                x = stage(x, z, t -> conv(ops.upsampleNearest2x(t), block.upsample(), 1));
            }
        }
        return stage(x, z, t -> conv(ops.silu(ops.groupNorm(t, config.normNumGroups(), normOut.weight(),
                normOut.bias(), EPS)), convOut, 1));
    }

    /**
     * Runs one stage of the decoder in its own scope, so its temporaries are released at once, and
     * releases the stage's input as soon as the output exists (except the caller's {@code input}):
     * at full resolution a single activation is hundreds of MiB, and at most two are ever alive.
     */
    private Tensor stage(Tensor x, Tensor input, UnaryOperator<Tensor> body) {
        Tensor next;
        try (Ops.Scope scope = ops.scope()) {
            next = scope.keep(body.apply(x));
        }
        if (x != input) {
            x.close();
        }
        return next;
    }

    private Tensor conv(Tensor x, Conv c, int padding) {
        return ops.conv2d(x, c.weight(), c.bias(), 1, padding);
    }

    private Tensor resnet(Tensor x, Resnet r) {
        int groups = config.normNumGroups();
        Tensor h = ops.silu(ops.groupNorm(x, groups, r.norm1().weight(), r.norm1().bias(), EPS));
        h = conv(h, r.conv1(), 1);
        h = ops.silu(ops.groupNorm(h, groups, r.norm2().weight(), r.norm2().bias(), EPS));
        h = conv(h, r.conv2(), 1);
        Tensor shortcut = r.shortcut() == null ? x : conv(x, r.shortcut(), 0);
        ops.addInPlace(h, shortcut);
        return h;
    }

    private Tensor attention(Tensor x, Attention a) {
        int[] s = x.shape();
        int c = s[1];
        Tensor g = ops.imageToTokens(ops.groupNorm(x, config.normNumGroups(), a.norm().weight(), a.norm().bias(), EPS));
        Tensor q = ops.linear(g, a.q(), a.qb());
        Tensor k = ops.linear(g, a.k(), a.kb());
        Tensor v = ops.linear(g, a.v(), a.vb());
        Tensor o = ops.linear(ops.attention(q, k, v, 1, (float) (1.0 / Math.sqrt(c)), null, null), a.o(), a.ob());
        Tensor out = ops.tokensToImage(o, s[2], s[3]);
        ops.addInPlace(out, x);
        return out;
    }
}
