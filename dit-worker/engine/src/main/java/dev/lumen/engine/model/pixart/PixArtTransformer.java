package dev.lumen.engine.model.pixart;

import dev.lumen.engine.density.TokenOperator;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.Weights;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code PixArtTransformer2DModel}: patch embedding with 2-D sin-cos positions, AdaLayerNormSingle
 * timestep (and, for the 1024-MS checkpoints, resolution/aspect-ratio) conditioning, caption
 * projection, N blocks of adaLN-modulated self-attention, unmodulated masked cross-attention and a
 * GELU-tanh MLP, then the final modulated projection and unpatchify. The output keeps all
 * {@code out_channels} (the learned-sigma half included); callers take what they need.
 */
public final class PixArtTransformer {
    /** diffusers' cross-attention mask value: large, finite, not −∞. */
    private static final float CAPTION_MASK_BIAS = -10000f;
    private static final int SINUSOID_DIM = 256;
    private static final int MICRO_DIM = 256;

    private record Linear(Tensor weight, Tensor bias) {
    }

    private record Block(Tensor scaleShift, Linear q, Linear k, Linear v, Linear out,
                         Linear crossQ, Linear crossK, Linear crossV, Linear crossOut, Linear ff1, Linear ff2) {
    }

    private final PixArtConfig config;
    private final Ops ops;
    private final Tensor patchWeight;
    private final Tensor patchBias;
    private final Linear caption1;
    private final Linear caption2;
    private final Linear time1;
    private final Linear time2;
    private final Linear resolution1;
    private final Linear resolution2;
    private final Linear aspect1;
    private final Linear aspect2;
    private final Linear adaLinear;
    private final Block[] blocks;
    private final Tensor finalScaleShift;
    private final Linear projOut;
    /** Host copies: a cached device tensor would have to outlive every caller's scope. */
    private final Map<Long, float[]> positionCache = new HashMap<>();

    public PixArtTransformer(PixArtConfig config, TensorSource source, Ops ops) {
        this.config = config;
        this.ops = ops;
        Weights w = new Weights(source, ops);
        int d = config.hiddenSize();
        int p = config.patchSize();
        this.patchWeight = w.get("pos_embed.proj.weight", d, config.inChannels(), p, p);
        this.patchBias = w.get("pos_embed.proj.bias", d);
        this.caption1 = linear(w, "caption_projection.linear_1", d, config.captionChannels());
        this.caption2 = linear(w, "caption_projection.linear_2", d, d);
        this.time1 = linear(w, "adaln_single.emb.timestep_embedder.linear_1", d, SINUSOID_DIM);
        this.time2 = linear(w, "adaln_single.emb.timestep_embedder.linear_2", d, d);
        if (config.useAdditionalConditions()) {
            int third = d / 3;
            this.resolution1 = linear(w, "adaln_single.emb.resolution_embedder.linear_1", third, MICRO_DIM);
            this.resolution2 = linear(w, "adaln_single.emb.resolution_embedder.linear_2", third, third);
            this.aspect1 = linear(w, "adaln_single.emb.aspect_ratio_embedder.linear_1", third, MICRO_DIM);
            this.aspect2 = linear(w, "adaln_single.emb.aspect_ratio_embedder.linear_2", third, third);
        } else {
            this.resolution1 = this.resolution2 = this.aspect1 = this.aspect2 = null;
        }
        this.adaLinear = linear(w, "adaln_single.linear", 6 * d, d);
        this.blocks = new Block[config.numLayers()];
        int ff = 4 * d;
        for (int l = 0; l < blocks.length; l++) {
            Weights b = w.at("transformer_blocks." + l);
            blocks[l] = new Block(b.get("scale_shift_table", 6, d),
                    linear(b, "attn1.to_q", d, d), linear(b, "attn1.to_k", d, d), linear(b, "attn1.to_v", d, d),
                    linear(b, "attn1.to_out.0", d, d),
                    linear(b, "attn2.to_q", d, d), linear(b, "attn2.to_k", d, d), linear(b, "attn2.to_v", d, d),
                    linear(b, "attn2.to_out.0", d, d),
                    linear(b, "ff.net.0.proj", ff, d), linear(b, "ff.net.2", d, ff));
        }
        this.finalScaleShift = w.get("scale_shift_table", 2, d);
        this.projOut = linear(w, "proj_out", p * p * config.outChannels(), d);
    }

    private static Linear linear(Weights w, String name, int out, int in) {
        return new Linear(w.get(name + ".weight", out, in), w.get(name + ".bias", out));
    }

    private Tensor apply(Linear l, Tensor x) {
        return ops.linear(x, l.weight(), l.bias());
    }

    public PixArtConfig config() {
        return config;
    }

    /**
     * Projects caption embeddings {@code [B, S, caption_channels]} (T5 output) and precomputes each
     * block's cross-attention keys and values. {@code mask} is {@code [B·S]} of 1 (token) / 0 (padding).
     * This is the exact per-prompt cache of the cross-attention K/V: the pipeline calls it once per
     * run and every denoising step reuses the result, whatever its token density, so a forward pass
     * computes no caption projection ({@code 4·S·D²} per block and row saved at every step).
     */
    public CaptionContext prepareCaption(Tensor captionEmbeds, float[] mask) {
        int[] s = captionEmbeds.shape();
        int batch = s[0];
        int tokens = s[1];
        if (s[2] != config.captionChannels()) {
            throw new IllegalArgumentException("caption embeddings have " + s[2] + " channels, the transformer expects "
                    + config.captionChannels());
        }
        if (mask.length != batch * tokens) {
            throw new IllegalArgumentException("caption mask has " + mask.length + " entries for " + batch + "×" + tokens);
        }
        Tensor[] keys = new Tensor[blocks.length];
        Tensor[] values = new Tensor[blocks.length];
        // Only the keys, values and mask outlive this call (they serve every denoising step).
        try (Ops.Scope scope = ops.scope()) {
            Tensor projected = apply(caption2, ops.geluTanh(apply(caption1, captionEmbeds)));
            for (int l = 0; l < blocks.length; l++) {
                keys[l] = scope.keep(apply(blocks[l].crossK(), projected));
                values[l] = scope.keep(apply(blocks[l].crossV(), projected));
            }
            float[] bias = new float[mask.length];
            for (int i = 0; i < mask.length; i++) {
                bias[i] = (1f - mask[i]) * CAPTION_MASK_BIAS;
            }
            return new CaptionContext(batch, tokens, keys, values, scope.keep(ops.fromHost(bias, batch, tokens)));
        }
    }

    /**
     * Prepares regional attention for a job (layout.md §3.4): {@code regionEmbeds} are the T5
     * outputs of the captions of regions 0..R ({@code [S_r, caption_channels]} each, real tokens
     * only: region 0 is the background), {@code regionIds} the region of every token of a
     * {@code gridHeight × gridWidth} token grid (row-major), and {@code [firstRow, firstRow + rows)}
     * the batch rows the layout applies to (the conditional half under classifier-free guidance).
     * {@code betaSelf}/{@code betaCross} are the base ratios β of the blends; 1 turns that attention's
     * regional part off.
     */
    public RegionalContext prepareRegions(List<Tensor> regionEmbeds, int[] regionIds, int gridHeight, int gridWidth,
                                          int firstRow, int rows, float betaSelf, float betaCross) {
        int regions = regionEmbeds.size();
        if (regions < 1) {
            throw new IllegalArgumentException("regional attention needs the captions of regions 0..R, got none");
        }
        if (regionIds.length != gridHeight * gridWidth) {
            throw new IllegalArgumentException(regionIds.length + " region ids for a " + gridHeight + "×" + gridWidth
                    + " token grid");
        }
        if (firstRow < 0 || rows < 1) {
            throw new IllegalArgumentException("regional rows [" + firstRow + ", " + (firstRow + rows) + ") are not a batch range");
        }
        for (float beta : new float[] {betaSelf, betaCross}) {
            if (!(beta >= 0f && beta <= 1f)) {
                throw new IllegalArgumentException("regional base ratio β must be in [0, 1], got " + beta);
            }
        }
        int[] captionStart = new int[regions + 1];
        for (int r = 0; r < regions; r++) {
            int[] s = regionEmbeds.get(r).shape();
            if (s.length != 2 || s[0] < 1 || s[1] != config.captionChannels()) {
                throw new IllegalArgumentException("region " + r + " caption embeddings have shape " + java.util.Arrays.toString(s)
                        + ", expected [tokens ≥ 1, " + config.captionChannels() + "]");
            }
            captionStart[r + 1] = captionStart[r] + s[0];
        }
        int tokens = regionIds.length;
        int[] tokenStart = new int[regions + 1];
        for (int id : regionIds) {
            if (id < 0 || id >= regions) {
                throw new IllegalArgumentException("region id " + id + " outside 0.." + (regions - 1));
            }
            tokenStart[id + 1]++;
        }
        for (int r = 0; r < regions; r++) {
            tokenStart[r + 1] += tokenStart[r];
        }
        // Region by region, ascending within each: the order in which every region is one segment.
        int[] order = new int[tokens];
        int[] rank = new int[tokens];
        int[] fill = java.util.Arrays.copyOf(tokenStart, regions);
        for (int p = 0; p < tokens; p++) {
            int at = fill[regionIds[p]]++;
            order[at] = p;
            rank[p] = at;
        }
        int[] selfRanges = new int[2 * tokens];
        int[] crossRanges = new int[2 * tokens];
        for (int i = 0; i < tokens; i++) {
            int r = regionIds[order[i]];
            selfRanges[2 * i] = tokenStart[r];
            selfRanges[2 * i + 1] = tokenStart[r + 1];
            crossRanges[2 * i] = captionStart[r];
            crossRanges[2 * i + 1] = captionStart[r + 1];
        }
        Tensor[] keys = new Tensor[blocks.length];
        Tensor[] values = new Tensor[blocks.length];
        try (Ops.Scope scope = ops.scope()) {
            Tensor all = ops.concat0(regionEmbeds.toArray(Tensor[]::new));
            Tensor projected = ops.reshape(apply(caption2, ops.geluTanh(apply(caption1, all))), 1, captionStart[regions],
                    config.hiddenSize());
            for (int l = 0; l < blocks.length; l++) {
                keys[l] = scope.keep(apply(blocks[l].crossK(), projected));
                values[l] = scope.keep(apply(blocks[l].crossV(), projected));
            }
            return new RegionalContext(gridHeight, gridWidth, firstRow, rows, scope.keep(ops.indices(order)),
                    scope.keep(ops.indices(rank)), scope.keep(ops.indices(selfRanges)), scope.keep(ops.indices(crossRanges)),
                    keys, values, betaSelf, betaCross);
        }
    }

    /**
     * The conditioning of one step: {@code t6 [B, 6, D]} (per-block modulation before the blocks'
     * tables are added) and {@code embedded [B, 1, D]} (the final layer's modulation input).
     * {@code resolution} ([B·2] height, width in pixels) and {@code aspectRatio} ([B]) are only used
     * by checkpoints with micro-conditions.
     */
    public record Conditioning(Tensor t6, Tensor embedded) {
    }

    public Conditioning condition(float[] timesteps, float[] resolution, float[] aspectRatio) {
        int batch = timesteps.length;
        int d = config.hiddenSize();
        // Only the two results outlive this call; the embedders' temporaries are released.
        try (Ops.Scope scope = ops.scope()) {
            Tensor t = ops.fromHost(Embeddings.sinusoidal(timesteps, SINUSOID_DIM), batch, SINUSOID_DIM);
            Tensor cond = apply(time2, ops.silu(apply(time1, t)));
            if (config.useAdditionalConditions()) {
                if (resolution == null || aspectRatio == null) {
                    throw new IllegalArgumentException("this transformer (use_additional_conditions) needs the resolution "
                            + "and aspect-ratio conditions");
                }
                Tensor res = ops.fromHost(Embeddings.sinusoidal(resolution, MICRO_DIM), 2 * batch, MICRO_DIM);
                Tensor ar = ops.fromHost(Embeddings.sinusoidal(aspectRatio, MICRO_DIM), batch, MICRO_DIM);
                float[] resEmb = ops.toHost(apply(resolution2, ops.silu(apply(resolution1, res))));
                float[] arEmb = ops.toHost(apply(aspect2, ops.silu(apply(aspect1, ar))));
                // [h-emb, w-emb, ar-emb] per batch row, each d/3 wide, added to the timestep embedding.
                int third = d / 3;
                float[] micro = new float[batch * d];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(resEmb, b * 2 * third, micro, b * d, 2 * third);
                    System.arraycopy(arEmb, b * third, micro, b * d + 2 * third, third);
                }
                cond = ops.add(cond, ops.fromHost(micro, batch, d));
            }
            Tensor t6 = ops.reshape(apply(adaLinear, ops.silu(cond)), batch, 6, d);
            return new Conditioning(scope.keep(t6), scope.keep(ops.reshape(cond, batch, 1, d)));
        }
    }

    /**
     * One forward pass: {@code latents [B, C, H, W]} at the given per-row timesteps → the model output
     * {@code [B, out_channels, H, W]}.
     */
    public Tensor forward(Tensor latents, CaptionContext caption, Conditioning conditioning) {
        return forward(latents, caption, conditioning, null, null);
    }

    /**
     * As {@link #forward(Tensor, CaptionContext, Conditioning)}, with regional attention on the rows
     * of {@code regional} (layout.md §3.4); null runs the plain model. Rows outside the regional range
     * compute exactly what the plain model computes.
     */
    public Tensor forward(Tensor latents, CaptionContext caption, Conditioning conditioning, RegionalContext regional) {
        return forward(latents, caption, conditioning, regional, null);
    }

    /**
     * As {@link #forward(Tensor, CaptionContext, Conditioning)} with token density: block {@code l}
     * runs {@code density[l]} on every batch row (docs/adr/0009); null, or all
     * {@link TokenOperator#DENSE}, runs exactly the dense model's operations.
     */
    public Tensor forward(Tensor latents, CaptionContext caption, Conditioning conditioning, TokenOperator[] density) {
        return forward(latents, caption, conditioning, null, density);
    }

    /**
     * Regional attention and token density together. Regional self-attention runs in dense blocks
     * only and regional attention never in a coarse block: the caller makes those blocks dense at
     * regional steps (DensityPlan.respectingRegions, then denseWhere; layout.md §3.7). A region-pure
     * pooled block keeps its pooled self-attention and gets regional cross-attention, whose queries
     * are the dense tokens.
     */
    public Tensor forward(Tensor latents, CaptionContext caption, Conditioning conditioning, RegionalContext regional,
                          TokenOperator[] density) {
        int[] ls = latents.shape();
        int batch = ls[0];
        int p = config.patchSize();
        if (ls[1] != config.inChannels() || ls[2] % p != 0 || ls[3] % p != 0) {
            throw new IllegalArgumentException("latents " + java.util.Arrays.toString(ls) + " do not fit a transformer with "
                    + config.inChannels() + " input channels and patch " + p);
        }
        if (caption.batch() != batch) {
            throw new IllegalArgumentException("caption batch " + caption.batch() + " ≠ latent batch " + batch);
        }
        if (density != null && density.length != blocks.length) {
            throw new IllegalArgumentException("a token-density row of " + density.length + " operators for "
                    + blocks.length + " blocks");
        }
        int h = ls[2] / p;
        int w = ls[3] / p;
        if (regional != null && (regional.gridHeight() != h || regional.gridWidth() != w
                || regional.firstRow() + regional.rows() > batch)) {
            throw new IllegalArgumentException("regional context for a " + regional.gridHeight() + "×" + regional.gridWidth()
                    + " token grid, rows [" + regional.firstRow() + ", " + (regional.firstRow() + regional.rows())
                    + ") does not fit latents " + java.util.Arrays.toString(ls));
        }
        TokenGrid grid = new TokenGrid(h, w);
        Tensor x = ops.imageToTokens(ops.conv2d(latents, patchWeight, patchBias, p, 0));
        x = ops.add(x, positions(h, w));
        for (int l = 0; l < blocks.length; l++) {
            TokenOperator op = density == null ? TokenOperator.DENSE : density[l];
            // x is updated in place; a block's temporaries are released when it ends.
            try (Ops.Scope scope = ops.scope()) {
                Tensor mod = ops.add(conditioning.t6(), blocks[l].scaleShift());
                if (op instanceof TokenOperator.Coarse coarse) {
                    if (regional != null && (regional.regionalSelfAttention() || regional.regionalCrossAttention())) {
                        throw new IllegalArgumentException("block " + l + " runs " + op.label()
                                + " at a step with regional attention; regional steps need it dense (layout.md §3.7)");
                    }
                    coarseBlock(l, x, grid, coarse.cell(), mod, caption);
                } else {
                    if (regional != null && regional.regionalSelfAttention() && !(op instanceof TokenOperator.Dense)) {
                        throw new IllegalArgumentException("block " + l + " runs " + op.label()
                                + " at a step with regional self-attention, which runs on dense blocks only");
                    }
                    block(l, x, grid, op, mod, caption, regional);
                }
            }
        }
        // The final layer is modulated by the embedded timestep itself, not by t6.
        Tensor finalMod = ops.add(conditioning.embedded(), finalScaleShift);
        Tensor y = ops.layerNormModulate(x, finalMod, 0, 1, config.normEps());
        Tensor out = apply(projOut, y);
        return ops.unpatchify(ops.reshape(out, batch, h * w, p * p * config.outChannels()), h, w, p,
                config.outChannels());
    }

    /**
     * Block {@code l} on the tokens {@code x} of {@code grid}, updating x in place, self-attention
     * under {@code op}, with regional attention on the rows of {@code regional} when not null.
     */
    private void block(int l, Tensor x, TokenGrid grid, TokenOperator op, Tensor mod, CaptionContext caption,
                       RegionalContext regional) {
        Block b = blocks[l];
        float eps = config.normEps();
        Tensor n = ops.layerNormModulate(x, mod, 0, 1, eps);
        ops.addGatedInPlace(x, mod, 2, selfAttention(b, n, grid, op, regional));
        // Cross-attention reads the residual stream directly: no norm, no gate.
        Tensor crossQ = apply(b.crossQ(), x);
        Tensor cross = ops.attention(crossQ, caption.keys()[l], caption.values()[l],
                config.numHeads(), attentionScale(), caption.keyBias(), null);
        if (regional != null && regional.regionalCrossAttention()) {
            // Each token reads its own region's caption only (region 0: the background's).
            Tensor reg = ops.rangedAttention(
                    ops.gatherTokens(crossQ, regional.firstRow(), regional.rows(), regional.order()),
                    regional.keys()[l], regional.values()[l], config.numHeads(), attentionScale(), regional.crossRanges());
            ops.blendTokensInPlace(cross, regional.firstRow(), regional.betaCross(), reg, regional.rank());
        }
        ops.addInPlace(x, apply(b.crossOut(), cross));
        n = ops.layerNormModulate(x, mod, 3, 4, eps);
        ops.addGatedInPlace(x, mod, 5, apply(b.ff2(), ops.geluTanh(apply(b.ff1(), n))));
    }

    /**
     * attn1 of a block, output projection included, on the modulated tokens {@code n} under a
     * token-density operator. This is the per-block self-attention strategy regional attention
     * shares: its regional part lives in the dense case. A pooling case runs under a layout only
     * with region-pure cells (DensityPlan.respectingRegions) and without regional self-attention;
     * a regional part over the same pooled keys is not implemented yet.
     */
    private Tensor selfAttention(Block b, Tensor n, TokenGrid grid, TokenOperator op, RegionalContext regional) {
        int heads = config.numHeads();
        float scale = attentionScale();
        int h = grid.height();
        int w = grid.width();
        return switch (op) {
            case TokenOperator.Dense dense -> {
                Tensor q = apply(b.q(), n);
                Tensor k = apply(b.k(), n);
                Tensor v = apply(b.v(), n);
                Tensor att = ops.attention(q, k, v, heads, scale, null, null);
                if (regional != null && regional.regionalSelfAttention()) {
                    // Each token attends to its own region's tokens only, blended before to_out.
                    Tensor reg = ops.rangedAttention(ops.gatherTokens(q, regional.firstRow(), regional.rows(), regional.order()),
                            ops.gatherTokens(k, regional.firstRow(), regional.rows(), regional.order()),
                            ops.gatherTokens(v, regional.firstRow(), regional.rows(), regional.order()),
                            heads, scale, regional.selfRanges());
                    ops.blendTokensInPlace(att, regional.firstRow(), regional.betaSelf(), reg, regional.rank());
                }
                yield apply(b.out(), att);
            }
            case TokenOperator.KvPool pool -> {
                // Pooling before the (affine) projections equals pooling K and V, at 1/s² of their cost.
                Tensor pooled = ops.poolTokens(n, h, w, pool.cell(), pool.mode());
                yield apply(b.out(), ops.attention(apply(b.q(), n), apply(b.k(), pooled), apply(b.v(), pooled), heads,
                        scale, null, null));
            }
            case TokenOperator.KvPoolLocal local -> {
                Tensor k = apply(b.k(), n);
                Tensor v = apply(b.v(), n);
                // Pooling after the projections: the dense K and V exist anyway for the windows.
                Tensor pooledK = ops.poolTokens(k, h, w, local.cell(), TokenPooling.AVG);
                Tensor pooledV = ops.poolTokens(v, h, w, local.cell(), TokenPooling.AVG);
                yield apply(b.out(), ops.localPooledAttention(apply(b.q(), n), k, v, pooledK, pooledV, heads, scale, h, w,
                        local.window(), local.cell()));
            }
            case TokenOperator.MeanV mean -> {
                // Uniform attention: every token gets out(v(mean token)); one cell covers the grid.
                int whole = Math.max(h, w);
                Tensor meanToken = ops.poolTokens(n, h, w, whole, TokenPooling.AVG);
                yield ops.upsampleTokens(apply(b.out(), apply(b.v(), meanToken)), h, w, whole);
            }
            case TokenOperator.Coarse coarse -> throw new IllegalStateException("coarse blocks run through coarseBlock");
        };
    }

    /**
     * Block {@code l} on the grid pooled by {@code cell}: {@code x += U(block(P(x)) − P(x))}. Only the
     * block's update is upsampled, so the detail x already holds survives.
     */
    private void coarseBlock(int l, Tensor x, TokenGrid grid, int cell, Tensor mod, CaptionContext caption) {
        int h = grid.height();
        int w = grid.width();
        Tensor before = ops.poolTokens(x, h, w, cell, TokenPooling.AVG);
        Tensor after = ops.poolTokens(x, h, w, cell, TokenPooling.AVG);
        block(l, after, new TokenGrid(grid.tileRows(cell), grid.tileColumns(cell)), TokenOperator.DENSE, mod, caption, null);
        Tensor update = ops.add(after, ops.mul(before, ops.fromHost(new float[] {-1f}, 1)));
        ops.addInPlace(x, ops.upsampleTokens(update, h, w, cell));
    }

    private float attentionScale() {
        return (float) (1.0 / Math.sqrt(config.headDim()));
    }

    private Tensor positions(int h, int w) {
        float[] table = positionCache.computeIfAbsent(((long) h << 32) | w, key ->
                Embeddings.positions2d(config.hiddenSize(), h, w, config.baseSize(), config.interpolationScale()));
        return ops.fromHost(table, h * w, config.hiddenSize());
    }
}
