package dev.lumen.engine.model.t5;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.Weights;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;

/**
 * The T5 encoder stack ({@code T5EncoderModel}) as PixArt uses it for captions: RMS norm,
 * relative position bias from block 0 shared by every layer, attention without 1/√d scaling,
 * (gated) GELU-tanh feed-forward. Output is {@code last_hidden_state [B, S, d_model]}.
 */
public final class T5Encoder {
    /** transformers' mask bias: the dtype's most negative finite value, so masked keys vanish in softmax. */
    private static final float MASK_BIAS = -Float.MAX_VALUE;

    private record Layer(Tensor attnNorm, Tensor q, Tensor k, Tensor v, Tensor o,
                         Tensor ffNorm, Tensor wi0, Tensor wi1, Tensor wo) {
    }

    private final T5Config config;
    private final Ops ops;
    private final Tensor shared;
    private final float[] relativeBias; // [buckets, heads]
    private final Layer[] layers;
    private final Tensor finalNorm;

    public T5Encoder(T5Config config, TensorSource source, Ops ops) {
        this.config = config;
        this.ops = ops;
        Weights w = new Weights(source, ops);
        int d = config.dModel();
        int inner = config.innerDim();
        // The encoder's embedding is tied to "shared"; checkpoints usually store only the latter.
        this.shared = w.getAny(new String[] {"shared.weight", "encoder.embed_tokens.weight"}, config.vocabSize(), d);
        this.relativeBias = w.hostFloats("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                config.relativeAttentionNumBuckets(), config.numHeads());
        this.layers = new Layer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            Weights b = w.at("encoder.block." + l);
            Weights att = b.at("layer.0.SelfAttention");
            Weights ff = b.at("layer.1.DenseReluDense");
            layers[l] = new Layer(
                    b.get("layer.0.layer_norm.weight", d),
                    att.get("q.weight", inner, d), att.get("k.weight", inner, d), att.get("v.weight", inner, d),
                    att.get("o.weight", d, inner),
                    b.get("layer.1.layer_norm.weight", d),
                    ff.get("wi_0.weight", config.dFf(), d),
                    ff.get("wi_1.weight", config.dFf(), d),
                    ff.get("wo.weight", d, config.dFf()));
        }
        this.finalNorm = w.get("encoder.final_layer_norm.weight", d);
    }

    public T5Config config() {
        return config;
    }

    /**
     * Encodes a batch of token id rows of equal length with their attention masks (1 = token,
     * 0 = padding) and returns {@code [B, S, d_model]}.
     */
    public Tensor encode(int[][] ids, int[][] mask) {
        int batch = ids.length;
        int seq = ids[0].length;
        int[] flat = new int[batch * seq];
        float[] keyBias = new float[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != seq || mask[b].length != seq) {
                throw new IllegalArgumentException("T5 batch rows must have equal lengths");
            }
            System.arraycopy(ids[b], 0, flat, b * seq, seq);
            for (int s = 0; s < seq; s++) {
                keyBias[b * seq + s] = mask[b][s] == 0 ? MASK_BIAS : 0f;
            }
        }
        int d = config.dModel();
        Tensor h = ops.reshape(ops.embedding(shared, flat), batch, seq, d);
        Tensor maskBias = ops.fromHost(keyBias, batch, seq);
        Tensor positionBias = ops.fromHost(positionBias(seq), config.numHeads(), seq, seq);
        float eps = config.layerNormEpsilon();
        for (Layer layer : layers) {
            // The residual stream h is updated in place; everything else of a layer dies with it.
            try (Ops.Scope scope = ops.scope()) {
                Tensor a = ops.rmsNorm(h, layer.attnNorm(), eps);
                Tensor q = ops.linear(a, layer.q(), null);
                Tensor k = ops.linear(a, layer.k(), null);
                Tensor v = ops.linear(a, layer.v(), null);
                // T5 folds the 1/√d scaling into its weights at training time: scale 1.
                Tensor att = ops.attention(q, k, v, config.numHeads(), 1f, maskBias, positionBias);
                ops.addInPlace(h, ops.linear(att, layer.o(), null));
                a = ops.rmsNorm(h, layer.ffNorm(), eps);
                // Gated GELU: wi_0 is the GELU branch, wi_1 the linear one.
                Tensor act = ops.mul(ops.geluTanh(ops.linear(a, layer.wi0(), null)), ops.linear(a, layer.wi1(), null));
                ops.addInPlace(h, ops.linear(act, layer.wo(), null));
            }
        }
        return ops.rmsNorm(h, finalNorm, eps);
    }

    /** {@code [H, S, S]}: bias[h, q, k] = table[bucket(k − q), h]. */
    float[] positionBias(int seq) {
        int heads = config.numHeads();
        float[] out = new float[heads * seq * seq];
        for (int q = 0; q < seq; q++) {
            for (int k = 0; k < seq; k++) {
                int bucket = relativePositionBucket(k - q, config.relativeAttentionNumBuckets(),
                        config.relativeAttentionMaxDistance());
                for (int h = 0; h < heads; h++) {
                    out[(h * seq + q) * seq + k] = relativeBias[bucket * heads + h];
                }
            }
        }
        return out;
    }

    /**
     * transformers' bidirectional bucket: half the buckets per direction, exact below
     * {@code buckets/4}, logarithmic up to {@code maxDistance}. Computed in float32 with truncation
     * toward zero, as torch does, so boundary distances land in the same bucket.
     */
    static int relativePositionBucket(int relative, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int bucket = relative > 0 ? half : 0;
        int n = Math.abs(relative);
        int maxExact = half / 2;
        if (n < maxExact) {
            return bucket + n;
        }
        float ratio = (float) Math.log((float) n / maxExact) / (float) Math.log((float) maxDistance / maxExact);
        int large = maxExact + (int) (ratio * (half - maxExact));
        return bucket + Math.min(large, half - 1);
    }
}
