package dev.lumen.engine.model.pixart;

import dev.lumen.engine.tensor.Tensor;

/**
 * Everything the transformer derives from a layout, once per job, for regional attention
 * (layout.md §3.4): which batch rows are regional (the conditional rows
 * {@code [firstRow, firstRow + rows)}), the token order that makes every region contiguous
 * ({@code order}, region by region, tokens ascending within one) and its inverse ({@code rank}),
 * per sorted token the key range of its own region among the sorted image tokens
 * ({@code selfRanges}) and among the concatenated region captions ({@code crossRanges}), every
 * block's cross-attention keys and values of those captions ({@code [1, ΣS_r, D]}, shared by the
 * regional rows), and the base ratios β of the blends {@code β·plain + (1 − β)·regional}.
 * Index lists come from {@link dev.lumen.engine.ops.Ops#indices}. Made by
 * {@link PixArtTransformer#prepareRegions}.
 */
public record RegionalContext(int gridHeight, int gridWidth, int firstRow, int rows, Tensor order, Tensor rank,
                              Tensor selfRanges, Tensor crossRanges, Tensor[] keys, Tensor[] values,
                              float betaSelf, float betaCross) {

    /** Whether self-attention is regional: β = 1 is the plain attention exactly, so it is skipped. */
    public boolean regionalSelfAttention() {
        return betaSelf < 1f;
    }

    /** Whether cross-attention is regional (β = 1: skipped, as for self-attention). */
    public boolean regionalCrossAttention() {
        return betaCross < 1f;
    }
}
