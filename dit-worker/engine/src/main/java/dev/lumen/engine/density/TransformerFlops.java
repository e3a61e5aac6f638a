package dev.lumen.engine.density;

import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.ops.TokenGrid;

/**
 * Analytic floating-point operations of the PixArt transformer for one run's shapes, counted as
 * {@link dev.lumen.engine.ops.FlopCounter} counts the backend calls (matrix products only, one
 * multiply-add = 2 FLOPs), so a plan's reported cost is what the engine executes. With N image
 * tokens, S caption tokens, width D and batch rows B (2× the images under guidance), a dense block
 * is {@code B·(28·N·D² + 4·N²·D + 4·N·S·D)}; the caption's cross-attention keys and values
 * ({@code 4·S·D²} per block and row) are computed once per run and reused at every step.
 */
public final class TransformerFlops {
    private static final int SINUSOID = 256;

    private final PixArtConfig config;
    private final long rows;
    private final TokenGrid grid;
    private final long captionTokens;

    /**
     * @param rows          transformer batch rows (images, doubled under classifier-free guidance)
     * @param grid          the image-token grid (latent size / patch size)
     * @param captionTokens caption tokens per row (the padded sequence length)
     */
    public TransformerFlops(PixArtConfig config, int rows, TokenGrid grid, int captionTokens) {
        this.config = config;
        this.rows = rows;
        this.grid = grid;
        this.captionTokens = captionTokens;
    }

    public TokenGrid grid() {
        return grid;
    }

    public int layers() {
        return config.numLayers();
    }

    /** One block at one step under {@code op}. */
    public long block(TokenOperator op) {
        long d = config.hiddenSize();
        long n = grid.tokens();
        return switch (op) {
            case TokenOperator.Dense x -> denseBlock(n);
            case TokenOperator.KvPool p -> {
                long nk = grid.tiles(p.cell());
                // Q and out dense, K and V projected from the pooled tokens, attention over Nk keys.
                yield rows * (4 * n * d * d + 4 * nk * d * d + 4 * n * nk * d) + crossAndMlp(n);
            }
            case TokenOperator.KvPoolLocal p -> {
                long pairs = grid.tilePairs(p.window()) + n * grid.tiles(p.cell());
                yield rows * (8 * n * d * d + 4 * pairs * d) + crossAndMlp(n);
            }
            // V and out projected on the one mean token.
            case TokenOperator.MeanV m -> rows * 4 * d * d + crossAndMlp(n);
            case TokenOperator.Coarse c -> denseBlock(grid.tiles(c.cell()));
        };
    }

    private long denseBlock(long n) {
        long d = config.hiddenSize();
        return rows * (8 * n * d * d + 4 * n * n * d) + crossAndMlp(n);
    }

    /** Cross-attention (Q, out, scores and values; K and V come from the caption cache) and the MLP. */
    private long crossAndMlp(long n) {
        long d = config.hiddenSize();
        return rows * (4 * n * d * d + 4 * n * captionTokens * d + 16 * n * d * d);
    }

    /** One forward pass: patch embedding, the blocks under {@code ops}, the output projection. */
    public long forward(TokenOperator[] ops) {
        long d = config.hiddenSize();
        long n = grid.tokens();
        long p2 = (long) config.patchSize() * config.patchSize();
        long total = 2 * rows * d * n * config.inChannels() * p2 + 2 * rows * n * d * p2 * config.outChannels();
        for (TokenOperator op : ops) {
            total += block(op);
        }
        return total;
    }

    /** The timestep (and micro-condition) embedding of one step. */
    public long conditioning() {
        long d = config.hiddenSize();
        long total = 2 * rows * SINUSOID * d + 2 * rows * d * d + 2 * rows * d * 6 * d;
        if (config.useAdditionalConditions()) {
            long third = d / 3;
            total += 2 * (2 * rows) * (SINUSOID * third + third * third) + 2 * rows * (SINUSOID * third + third * third);
        }
        return total;
    }

    /** Once per run: the caption projection and every block's cross-attention keys and values. */
    public long captionPreparation() {
        long d = config.hiddenSize();
        long s = rows * captionTokens;
        return 2 * s * config.captionChannels() * d + 2 * s * d * d + (long) config.numLayers() * 4 * s * d * d;
    }

    /** The whole run under {@code plan}: caption preparation once, then conditioning and a forward per step. */
    public long run(DensityPlan plan) {
        long total = captionPreparation();
        for (int s = 0; s < plan.steps(); s++) {
            total += conditioning() + forward(plan.step(s));
        }
        return total;
    }

    /** The whole run of {@code steps} dense steps. */
    public long denseRun(int steps) {
        TokenOperator[] dense = new TokenOperator[config.numLayers()];
        java.util.Arrays.fill(dense, TokenOperator.DENSE);
        return captionPreparation() + steps * (conditioning() + forward(dense));
    }
}
