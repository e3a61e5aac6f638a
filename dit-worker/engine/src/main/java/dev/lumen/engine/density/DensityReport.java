package dev.lumen.engine.density;

import java.util.Locale;

/**
 * What a run reports about its token density: the compiled plan, the transformer FLOPs it executed
 * (caption preparation, conditioning and every forward pass; see {@link TransformerFlops}), the
 * FLOPs the dense model would have executed for the same request, and their ratio.
 */
public record DensityReport(DensityPlan plan, long transformerFlops, long denseTransformerFlops) {

    public double fraction() {
        return (double) transformerFlops / denseTransformerFlops;
    }

    /** {@code preset balanced: 12.3 of 16.1 GFLOP in the transformer (fraction 0.764)}. */
    public String summary() {
        return String.format(Locale.ROOT, "%s: %.4g of %.4g GFLOP in the transformer (fraction %.3f)", plan.source(),
                transformerFlops / 1e9, denseTransformerFlops / 1e9, fraction());
    }
}
