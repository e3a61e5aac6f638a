package dev.lumen.engine.ops;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.tensor.Shapes;
import dev.lumen.engine.tensor.Tensor;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * An {@link Ops} decorator that counts the floating-point operations of the matrix products
 * (linear, attention, convolution; one multiply-add = 2 FLOPs) passed to the backend beneath, so
 * benchmarks report achieved GFLOP/s and density plans their true cost. Element-wise work is not
 * counted: it is memory-bound and small beside the products.
 */
public final class FlopCounter implements Ops {
    private final Ops inner;
    private final LongAdder flops = new LongAdder();
    /** Σ (end − start) of the index lists made here, for the FLOPs of rangedAttention (weak: lists die with their jobs). */
    private final Map<Tensor, Long> rangeSums = Collections.synchronizedMap(new WeakHashMap<>());

    public FlopCounter(Ops inner) {
        this.inner = inner;
    }

    public long flops() {
        return flops.sum();
    }

    /** Returns the count so far and starts again from zero. */
    public long takeFlops() {
        return flops.sumThenReset();
    }

    public Ops inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Tensor weight(TensorSource source, String name) {
        return inner.weight(source, name);
    }

    @Override
    public Tensor fromHost(float[] values, int... shape) {
        return inner.fromHost(values, shape);
    }

    @Override
    public float[] toHost(Tensor t) {
        return inner.toHost(t);
    }

    @Override
    public Tensor reshape(Tensor t, int... shape) {
        return inner.reshape(t, shape);
    }

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        return inner.embedding(table, ids);
    }

    @Override
    public Tensor concat0(Tensor... parts) {
        return inner.concat0(parts);
    }

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        int[] ws = weight.shape();
        flops.add(2L * Shapes.rows(x.shape()) * ws[0] * ws[1]);
        return inner.linear(x, weight, bias);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyBias, Tensor headBias) {
        int[] qs = q.shape();
        // Q·Kᵀ and P·V: 2 · (2·Sq·Sk·width) per batch row.
        flops.add(4L * qs[0] * qs[1] * k.shape()[1] * qs[2]);
        return inner.attention(q, k, v, heads, scale, keyBias, headBias);
    }

    @Override
    public Tensor indices(int[] values) {
        Tensor t = inner.indices(values);
        long pairs = 0;
        for (int i = 0; i + 1 < values.length; i += 2) {
            pairs += Math.max(0, values[i + 1] - values[i]);
        }
        // Read back only if the list serves as key ranges: Σ (end − start) over its pairs.
        rangeSums.put(t, pairs);
        return t;
    }

    @Override
    public Tensor gatherTokens(Tensor x, int batchFrom, int batchCount, Tensor tokens) {
        return inner.gatherTokens(x, batchFrom, batchCount, tokens);
    }

    @Override
    public void blendTokensInPlace(Tensor x, int batchFrom, float keep, Tensor y, Tensor tokens) {
        inner.blendTokensInPlace(x, batchFrom, keep, y, tokens);
    }

    @Override
    public Tensor rangedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyRanges) {
        int[] qs = q.shape();
        // Q·Kᵀ and P·V over each query's own keys: 4·width per (query, key) pair, per batch row.
        Long pairs = rangeSums.get(keyRanges);
        flops.add(4L * qs[0] * qs[2] * (pairs == null ? (long) qs[1] * k.shape()[1] : pairs));
        return inner.rangedAttention(q, k, v, heads, scale, keyRanges);
    }

    @Override
    public Tensor layerNorm(Tensor x, float eps) {
        return inner.layerNorm(x, eps);
    }

    @Override
    public Tensor layerNormModulate(Tensor x, Tensor mod, int shiftRow, int scaleRow, float eps) {
        return inner.layerNormModulate(x, mod, shiftRow, scaleRow, eps);
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return inner.rmsNorm(x, weight, eps);
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        return inner.groupNorm(x, groups, weight, bias, eps);
    }

    @Override
    public Tensor geluTanh(Tensor x) {
        return inner.geluTanh(x);
    }

    @Override
    public Tensor silu(Tensor x) {
        return inner.silu(x);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return inner.add(a, b);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return inner.mul(a, b);
    }

    @Override
    public void addGatedInPlace(Tensor x, Tensor mod, int gateRow, Tensor y) {
        inner.addGatedInPlace(x, mod, gateRow, y);
    }

    @Override
    public void addInPlace(Tensor x, Tensor y) {
        inner.addInPlace(x, y);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        int[] xs = x.shape();
        int[] ws = weight.shape();
        long oh = (xs[2] + 2L * padding - ws[2]) / stride + 1;
        long ow = (xs[3] + 2L * padding - ws[3]) / stride + 1;
        flops.add(2L * xs[0] * ws[0] * oh * ow * ws[1] * ws[2] * ws[3]);
        return inner.conv2d(x, weight, bias, stride, padding);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        return inner.upsampleNearest2x(x);
    }

    @Override
    public Tensor imageToTokens(Tensor x) {
        return inner.imageToTokens(x);
    }

    @Override
    public Tensor tokensToImage(Tensor x, int height, int width) {
        return inner.tokensToImage(x, height, width);
    }

    @Override
    public Tensor unpatchify(Tensor x, int h, int w, int patch, int channels) {
        return inner.unpatchify(x, h, w, patch, channels);
    }

    @Override
    public Tensor poolTokens(Tensor x, int height, int width, int cell, TokenPooling mode) {
        return inner.poolTokens(x, height, width, cell, mode);
    }

    @Override
    public Tensor upsampleTokens(Tensor x, int height, int width, int cell) {
        return inner.upsampleTokens(x, height, width, cell);
    }

    @Override
    public Tensor localPooledAttention(Tensor q, Tensor k, Tensor v, Tensor pooledK, Tensor pooledV, int heads,
                                       float scale, int height, int width, int window, int cell) {
        int[] qs = q.shape();
        TokenGrid grid = new TokenGrid(height, width);
        // Each query scores the tokens of its own window and every pooled key: 2 · 2·width per pair.
        long pairs = grid.tilePairs(window) + (long) grid.tokens() * grid.tiles(cell);
        flops.add(4L * qs[0] * pairs * qs[2]);
        return inner.localPooledAttention(q, k, v, pooledK, pooledV, heads, scale, height, width, window, cell);
    }

    @Override
    public Scope scope() {
        return inner.scope();
    }

    @Override
    public void close() {
        inner.close();
    }
}
