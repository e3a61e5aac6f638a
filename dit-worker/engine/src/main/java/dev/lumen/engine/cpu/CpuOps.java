package dev.lumen.engine.cpu;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.Dtypes;
import dev.lumen.engine.format.TensorInfo;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.IndexChecks;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.tensor.Shapes;
import dev.lumen.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * The CPU reference backend: plain Java over float arrays, multi-threaded over rows and heads.
 * Large weight matrices stay memory-mapped in their stored dtype ({@link CpuWeight}); vectors and
 * other small weights are widened to float32 once at load time.
 */
public final class CpuOps implements Ops {
    /** Weights with at most this many elements are widened at load time (biases, norms, tables). */
    private static final long SMALL_WEIGHT = 1 << 20;
    /** Query rows handled together in attention: bounds the score buffer to QBLOCK × Sk floats. */
    private static final int QBLOCK = 64;

    @Override
    public String name() {
        return "cpu";
    }

    // ---- data movement --------------------------------------------------------------------

    @Override
    public Tensor weight(TensorSource source, String name) {
        TensorInfo info = source.info(name);
        int[] shape = info.intShape();
        if (info.elementCount() <= SMALL_WEIGHT || shape.length < 2) {
            return new CpuTensor(source.floats(name), shape);
        }
        return new CpuWeight(name, source.data(name), info.dtype(), shape);
    }

    @Override
    public Tensor fromHost(float[] values, int... shape) {
        return new CpuTensor(values.clone(), shape);
    }

    @Override
    public float[] toHost(Tensor t) {
        if (t instanceof CpuIndices i) {
            float[] out = new float[i.values.length];
            for (int j = 0; j < out.length; j++) {
                out[j] = i.values[j];
            }
            return out;
        }
        if (t instanceof CpuWeight w) {
            float[] out = new float[Shapes.intSize(w.shapeRef())];
            Dtypes.widen(w.data, w.dtype, 0, out, 0, out.length);
            return out;
        }
        return cpu(t).data.clone();
    }

    @Override
    public Tensor reshape(Tensor t, int... shape) {
        if (Shapes.size(shape) != t.size()) {
            throw new IllegalArgumentException("reshape " + Tensor.describe(t) + " to " + Arrays.toString(shape)
                    + " changes the size");
        }
        if (t instanceof CpuWeight w) {
            return new CpuWeight(w.name, w.data, w.dtype, shape);
        }
        return new CpuTensor(cpu(t).data, shape);
    }

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        int[] ts = table.shape();
        int vocab = ts[0];
        int d = ts[1];
        float[] out = new float[ids.length * d];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " outside the embedding table of " + vocab + " rows");
            }
            if (table instanceof CpuWeight w) {
                Dtypes.widen(w.data, w.dtype, (long) ids[i] * d, out, i * d, d);
            } else {
                System.arraycopy(cpu(table).data, ids[i] * d, out, i * d, d);
            }
        }
        return new CpuTensor(out, new int[] {ids.length, d});
    }

    @Override
    public Tensor concat0(Tensor... parts) {
        int[] shape = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            int[] s = p.shape();
            if (!Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(shape, 1, shape.length))) {
                throw new IllegalArgumentException("concat0: trailing shapes differ " + Arrays.toString(s) + " vs "
                        + Arrays.toString(shape));
            }
            total += s[0];
        }
        shape[0] = total;
        float[] out = new float[Shapes.intSize(shape)];
        int pos = 0;
        for (Tensor p : parts) {
            float[] d = cpu(p).data;
            System.arraycopy(d, 0, out, pos, d.length);
            pos += d.length;
        }
        return new CpuTensor(out, shape);
    }

    // ---- linear algebra --------------------------------------------------------------------

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        int[] xs = x.shape();
        int[] ws = weight.shape();
        int k = Shapes.last(xs);
        if (ws.length != 2 || ws[1] != k) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(xs) + " does not fit weight "
                    + weight);
        }
        int n = ws[0];
        float[] b = bias == null ? null : cpu(bias).data;
        if (b != null && b.length != n) {
            throw new IllegalArgumentException("linear: bias of " + b.length + " for " + n + " outputs");
        }
        int m = Shapes.rows(xs);
        float[] out = new float[m * n];
        MatMul.linear(cpu(x).data, m, k, weight, n, b, out);
        return new CpuTensor(out, Shapes.withLast(xs, n));
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyBias, Tensor headBias) {
        int[] qs = q.shape();
        int[] ks = k.shape();
        int batch = qs[0];
        int sq = qs[1];
        int sk = ks[1];
        int width = qs[2];
        if (width % heads != 0 || ks[2] != width || !Arrays.equals(ks, v.shape()) || ks[0] != batch) {
            throw new IllegalArgumentException("attention: q " + Arrays.toString(qs) + ", k " + Arrays.toString(ks)
                    + ", v " + Tensor.describe(v) + " with " + heads + " heads");
        }
        int d = width / heads;
        float[] qd = cpu(q).data;
        float[] kd = cpu(k).data;
        float[] vd = cpu(v).data;
        float[] kb = keyBias == null ? null : cpu(keyBias).data;
        float[] hb = headBias == null ? null : cpu(headBias).data;
        float[] out = new float[batch * sq * width];
        int qBlocks = (sq + QBLOCK - 1) / QBLOCK;
        parallel(batch * heads * qBlocks, task -> {
            int blk = task % qBlocks;
            int h = (task / qBlocks) % heads;
            int b = task / (qBlocks * heads);
            int q0 = blk * QBLOCK;
            int rows = Math.min(QBLOCK, sq - q0);
            float[] scores = new float[rows * sk];
            int qOff = (b * sq + q0) * width + h * d;
            int kOff = b * sk * width + h * d;
            MatMul.gemmNT(qd, qOff, width, kd, kOff, width, rows, sk, d, scores, 0, sk);
            for (int r = 0; r < rows; r++) {
                int row = r * sk;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < sk; j++) {
                    float s = scores[row + j] * scale;
                    if (kb != null) {
                        s += kb[b * sk + j];
                    }
                    if (hb != null) {
                        s += hb[(h * sq + q0 + r) * sk + j];
                    }
                    scores[row + j] = s;
                    max = Math.max(max, s);
                }
                softmaxFromMax(scores, row, sk, max);
            }
            MatMul.gemmNN(scores, 0, sk, vd, kOff, width, rows, d, sk, out, qOff, width);
        });
        return new CpuTensor(out, qs);
    }

    // ---- token rows (regional attention) -----------------------------------------------------

    @Override
    public Tensor indices(int[] values) {
        IndexChecks.requireNonNegative(values);
        return new CpuIndices(values.clone());
    }

    private static int[] indexValues(Tensor t, String role) {
        if (t instanceof CpuIndices i) {
            return i.values;
        }
        throw new IllegalArgumentException(role + " must be an index list made by indices(), got " + t);
    }

    @Override
    public Tensor gatherTokens(Tensor x, int batchFrom, int batchCount, Tensor tokens) {
        int[] s = x.shape();
        int[] idx = indexValues(tokens, "gatherTokens tokens");
        if (s.length != 3 || batchFrom < 0 || batchCount < 1 || batchFrom + batchCount > s[0]) {
            throw new IllegalArgumentException("gatherTokens: rows [" + batchFrom + ", " + (batchFrom + batchCount)
                    + ") of " + Arrays.toString(s));
        }
        IndexChecks.requireBelow(idx, s[1], "gatherTokens");
        int n = s[1];
        int d = s[2];
        float[] in = cpu(x).data;
        float[] out = new float[batchCount * idx.length * d];
        for (int b = 0; b < batchCount; b++) {
            for (int i = 0; i < idx.length; i++) {
                System.arraycopy(in, ((batchFrom + b) * n + idx[i]) * d, out, (b * idx.length + i) * d, d);
            }
        }
        return new CpuTensor(out, new int[] {batchCount, idx.length, d});
    }

    @Override
    public void blendTokensInPlace(Tensor x, int batchFrom, float keep, Tensor y, Tensor tokens) {
        int[] xs = x.shape();
        int[] ys = y.shape();
        int[] idx = indexValues(tokens, "blendTokensInPlace tokens");
        if (xs.length != 3 || ys.length != 3 || ys[2] != xs[2] || idx.length != xs[1] || batchFrom < 0
                || batchFrom + ys[0] > xs[0]) {
            throw new IllegalArgumentException("blendTokensInPlace: x " + Arrays.toString(xs) + " from row " + batchFrom
                    + ", y " + Arrays.toString(ys) + ", " + idx.length + " token indices");
        }
        IndexChecks.requireBelow(idx, ys[1], "blendTokensInPlace");
        int n = xs[1];
        int d = xs[2];
        float other = 1f - keep;
        float[] xd = cpu(x).data;
        float[] yd = cpu(y).data;
        parallel(ys[0] * n, r -> {
            int b = r / n;
            int xOff = ((batchFrom + b) * n + r % n) * d;
            int yOff = (b * ys[1] + idx[r % n]) * d;
            for (int c = 0; c < d; c++) {
                xd[xOff + c] = keep * xd[xOff + c] + other * yd[yOff + c];
            }
        });
    }

    @Override
    public Tensor rangedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyRanges) {
        int[] qs = q.shape();
        int[] ks = k.shape();
        int[] ranges = indexValues(keyRanges, "rangedAttention keyRanges");
        int batch = qs[0];
        int sq = qs[1];
        int sk = ks[1];
        int width = qs[2];
        if (qs.length != 3 || ks.length != 3 || width % heads != 0 || ks[2] != width || !Arrays.equals(ks, v.shape())
                || (ks[0] != batch && ks[0] != 1)) {
            throw new IllegalArgumentException("rangedAttention: q " + Arrays.toString(qs) + ", k " + Arrays.toString(ks)
                    + ", v " + Tensor.describe(v) + " with " + heads + " heads");
        }
        IndexChecks.requireKeyRanges(ranges, sq, sk);
        int d = width / heads;
        float[] qd = cpu(q).data;
        float[] kd = cpu(k).data;
        float[] vd = cpu(v).data;
        boolean sharedKv = ks[0] == 1;
        float[] out = new float[batch * sq * width];
        int qBlocks = (sq + QBLOCK - 1) / QBLOCK;
        parallel(batch * heads * qBlocks, task -> {
            int blk = task % qBlocks;
            int h = (task / qBlocks) % heads;
            int b = task / (qBlocks * heads);
            int q0 = blk * QBLOCK;
            int rows = Math.min(QBLOCK, sq - q0);
            // The block's queries together see keys [lo, hi); each row masks what is not its own.
            int lo = Integer.MAX_VALUE;
            int hi = 0;
            for (int r = 0; r < rows; r++) {
                lo = Math.min(lo, ranges[2 * (q0 + r)]);
                hi = Math.max(hi, ranges[2 * (q0 + r) + 1]);
            }
            int span = hi - lo;
            float[] scores = new float[rows * span];
            int qOff = (b * sq + q0) * width + h * d;
            int kOff = ((sharedKv ? 0 : b) * sk + lo) * width + h * d;
            MatMul.gemmNT(qd, qOff, width, kd, kOff, width, rows, span, d, scores, 0, span);
            for (int r = 0; r < rows; r++) {
                int row = r * span;
                int from = ranges[2 * (q0 + r)] - lo;
                int to = ranges[2 * (q0 + r) + 1] - lo;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = from; j < to; j++) {
                    float s = scores[row + j] * scale;
                    scores[row + j] = s;
                    max = Math.max(max, s);
                }
                float sum = 0;
                for (int j = 0; j < span; j++) {
                    float e = j >= from && j < to ? (float) Math.exp(scores[row + j] - max) : 0f;
                    scores[row + j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = from; j < to; j++) {
                    scores[row + j] *= inv;
                }
            }
            MatMul.gemmNN(scores, 0, span, vd, kOff, width, rows, d, span, out, qOff, width);
        });
        return new CpuTensor(out, qs);
    }

    // ---- normalisation -----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor x, float eps) {
        int[] s = x.shape();
        int d = Shapes.last(s);
        float[] in = cpu(x).data;
        float[] out = new float[in.length];
        parallel(Shapes.rows(s), r -> normalizeRow(in, r * d, d, eps, out));
        return new CpuTensor(out, s);
    }

    @Override
    public Tensor layerNormModulate(Tensor x, Tensor mod, int shiftRow, int scaleRow, float eps) {
        int[] s = x.shape();
        int[] ms = mod.shape();
        int batch = s[0];
        int tokens = s[1];
        int d = s[2];
        if (ms.length != 3 || ms[0] != batch || ms[2] != d) {
            throw new IllegalArgumentException("layerNormModulate: x " + Arrays.toString(s) + ", mod " + Arrays.toString(ms));
        }
        float[] in = cpu(x).data;
        float[] m = cpu(mod).data;
        float[] out = new float[in.length];
        parallel(batch * tokens, r -> {
            int b = r / tokens;
            int off = r * d;
            normalizeRow(in, off, d, eps, out);
            int shift = (b * ms[1] + shiftRow) * d;
            int scale = (b * ms[1] + scaleRow) * d;
            for (int i = 0; i < d; i++) {
                out[off + i] = out[off + i] * (1 + m[scale + i]) + m[shift + i];
            }
        });
        return new CpuTensor(out, s);
    }

    private static void normalizeRow(float[] in, int off, int d, float eps, float[] out) {
        double[] stats = meanAndInverseStd(in, off, d, eps);
        float mu = (float) stats[0];
        float inv = (float) stats[1];
        for (int i = 0; i < d; i++) {
            out[off + i] = (in[off + i] - mu) * inv;
        }
    }

    /**
     * Mean and 1/√(biased variance + eps) of {@code in[off, off + len)}, in two passes in double:
     * the mean first, then the variance around it, as PyTorch's norms compute them (a one-pass
     * E[x²] − E[x]² would lose digits on large activations).
     */
    private static double[] meanAndInverseStd(float[] in, int off, int len, float eps) {
        double mean = 0;
        for (int i = 0; i < len; i++) {
            mean += in[off + i];
        }
        mean /= len;
        double var = 0;
        for (int i = 0; i < len; i++) {
            double c = in[off + i] - mean;
            var += c * c;
        }
        var /= len;
        return new double[] {mean, 1.0 / Math.sqrt(var + eps)};
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        int[] s = x.shape();
        int d = Shapes.last(s);
        float[] in = cpu(x).data;
        float[] w = cpu(weight).data;
        float[] out = new float[in.length];
        parallel(Shapes.rows(s), r -> {
            int off = r * d;
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) in[off + i] * in[off + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            for (int i = 0; i < d; i++) {
                out[off + i] = w[i] * (in[off + i] * inv);
            }
        });
        return new CpuTensor(out, s);
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int[] s = x.shape();
        int batch = s[0];
        int channels = s[1];
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + channels + " channels in " + groups + " groups");
        }
        int plane = s[2] * s[3];
        int perGroup = channels / groups;
        float[] in = cpu(x).data;
        float[] w = cpu(weight).data;
        float[] bb = cpu(bias).data;
        float[] out = new float[in.length];
        parallel(batch * groups, task -> {
            int off = task * perGroup * plane;
            double[] stats = meanAndInverseStd(in, off, perGroup * plane, eps);
            float mu = (float) stats[0];
            float inv = (float) stats[1];
            int c0 = (task % groups) * perGroup;
            for (int c = 0; c < perGroup; c++) {
                float gw = w[c0 + c] * inv;
                float gb = bb[c0 + c];
                int base = off + c * plane;
                for (int i = 0; i < plane; i++) {
                    out[base + i] = (in[base + i] - mu) * gw + gb;
                }
            }
        });
        return new CpuTensor(out, s);
    }

    // ---- element-wise ------------------------------------------------------------------------

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    @Override
    public Tensor geluTanh(Tensor x) {
        float[] in = cpu(x).data;
        float[] out = new float[in.length];
        parallelChunks(in.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = in[i];
                out[i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + 0.044715f * v * v * v)));
            }
        });
        return new CpuTensor(out, x.shape());
    }

    @Override
    public Tensor silu(Tensor x) {
        float[] in = cpu(x).data;
        float[] out = new float[in.length];
        parallelChunks(in.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = in[i];
                out[i] = v / (1f + (float) Math.exp(-v));
            }
        });
        return new CpuTensor(out, x.shape());
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return broadcast("add", a, b, false);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return broadcast("mul", a, b, true);
    }

    private Tensor broadcast(String op, Tensor a, Tensor b, boolean multiply) {
        int[] as = a.shape();
        int[] bs = b.shape();
        float[] ad = cpu(a).data;
        float[] bd = cpu(b).data;
        if (Arrays.equals(as, bs)) {
            float[] out = new float[ad.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = multiply ? ad[i] * bd[i] : ad[i] + bd[i];
            }
            return new CpuTensor(out, as);
        }
        int[] os = Shapes.broadcast(op, as, bs);
        int[] sa = broadcastStrides(as, os.length);
        int[] sb = broadcastStrides(bs, os.length);
        float[] out = new float[Shapes.intSize(os)];
        int[] idx = new int[os.length];
        for (int i = 0; i < out.length; i++) {
            int ia = 0;
            int ib = 0;
            for (int dIdx = 0; dIdx < os.length; dIdx++) {
                ia += idx[dIdx] * sa[dIdx];
                ib += idx[dIdx] * sb[dIdx];
            }
            out[i] = multiply ? ad[ia] * bd[ib] : ad[ia] + bd[ib];
            for (int dIdx = os.length - 1; dIdx >= 0; dIdx--) {
                if (++idx[dIdx] < os[dIdx]) {
                    break;
                }
                idx[dIdx] = 0;
            }
        }
        return new CpuTensor(out, os);
    }

    /** Row-major strides of {@code shape} right-aligned to {@code rank} dims, 0 where broadcast. */
    private static int[] broadcastStrides(int[] shape, int rank) {
        int[] strides = new int[rank];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int at = rank - shape.length + i;
            strides[at] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
        return strides;
    }

    @Override
    public void addGatedInPlace(Tensor x, Tensor mod, int gateRow, Tensor y) {
        int[] s = x.shape();
        Shapes.requireSameShape("addGatedInPlace", s, y.shape());
        int[] ms = mod.shape();
        int tokens = s[1];
        int d = s[2];
        float[] xd = cpu(x).data;
        float[] yd = cpu(y).data;
        float[] m = cpu(mod).data;
        parallel(s[0] * tokens, r -> {
            int gate = ((r / tokens) * ms[1] + gateRow) * d;
            int off = r * d;
            for (int i = 0; i < d; i++) {
                xd[off + i] += m[gate + i] * yd[off + i];
            }
        });
    }

    @Override
    public void addInPlace(Tensor x, Tensor y) {
        Shapes.requireSameShape("addInPlace", x.shape(), y.shape());
        float[] xd = cpu(x).data;
        float[] yd = cpu(y).data;
        parallelChunks(xd.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                xd[i] += yd[i];
            }
        });
    }

    // ---- images --------------------------------------------------------------------------------

    /** Output pixels per im2col chunk: bounds the unfolded buffer to CONV_CHUNK × C·kh·kw floats. */
    private static final int CONV_CHUNK = 256;

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        int[] xs = x.shape();
        int[] ws = weight.shape();
        int batch = xs[0];
        int cin = xs[1];
        int height = xs[2];
        int width = xs[3];
        int cout = ws[0];
        int kh = ws[2];
        int kw = ws[3];
        if (ws[1] != cin) {
            throw new IllegalArgumentException("conv2d: input has " + cin + " channels, weight " + weight + " expects " + ws[1]);
        }
        int oh = (height + 2 * padding - kh) / stride + 1;
        int ow = (width + 2 * padding - kw) / stride + 1;
        int patch = cin * kh * kw;
        Tensor flatWeight = reshape(weight, cout, patch);
        float[] in = cpu(x).data;
        float[] b = bias == null ? null : cpu(bias).data;
        float[] out = new float[batch * cout * oh * ow];
        int pixels = oh * ow;
        int chunks = (pixels + CONV_CHUNK - 1) / CONV_CHUNK;
        // The unfolded patches of a chunk of output pixels, [pixels, C·kh·kw], multiplied by the
        // weight [O, C·kh·kw]ᵀ give [pixels, O], which is scattered back to NCHW.
        for (int n = 0; n < batch; n++) {
            int inBase = n * cin * height * width;
            int outBase = n * cout * pixels;
            for (int chunk = 0; chunk < chunks; chunk++) {
                int p0 = chunk * CONV_CHUNK;
                int count = Math.min(CONV_CHUNK, pixels - p0);
                float[] cols = new float[count * patch];
                parallel(count, p -> {
                    int oy = (p0 + p) / ow;
                    int ox = (p0 + p) % ow;
                    int at = p * patch;
                    for (int c = 0; c < cin; c++) {
                        for (int dy = 0; dy < kh; dy++) {
                            int iy = oy * stride - padding + dy;
                            for (int dx = 0; dx < kw; dx++) {
                                int ix = ox * stride - padding + dx;
                                cols[at++] = iy < 0 || iy >= height || ix < 0 || ix >= width
                                        ? 0f : in[inBase + (c * height + iy) * width + ix];
                            }
                        }
                    }
                });
                float[] res = new float[count * cout];
                MatMul.linear(cols, count, patch, flatWeight, cout, b, res);
                for (int p = 0; p < count; p++) {
                    for (int o = 0; o < cout; o++) {
                        out[outBase + o * pixels + p0 + p] = res[p * cout + o];
                    }
                }
            }
        }
        return new CpuTensor(out, new int[] {batch, cout, oh, ow});
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        int[] s = x.shape();
        int h = s[2];
        int w = s[3];
        float[] in = cpu(x).data;
        float[] out = new float[in.length * 4];
        parallel(s[0] * s[1], plane -> {
            int src = plane * h * w;
            int dst = plane * 4 * h * w;
            for (int y = 0; y < 2 * h; y++) {
                for (int xx = 0; xx < 2 * w; xx++) {
                    out[dst + y * 2 * w + xx] = in[src + (y >> 1) * w + (xx >> 1)];
                }
            }
        });
        return new CpuTensor(out, new int[] {s[0], s[1], 2 * h, 2 * w});
    }

    @Override
    public Tensor imageToTokens(Tensor x) {
        int[] s = x.shape();
        int c = s[1];
        int hw = s[2] * s[3];
        float[] in = cpu(x).data;
        float[] out = new float[in.length];
        for (int b = 0; b < s[0]; b++) {
            int base = b * c * hw;
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) {
                    out[base + p * c + ch] = in[base + ch * hw + p];
                }
            }
        }
        return new CpuTensor(out, new int[] {s[0], hw, c});
    }

    @Override
    public Tensor tokensToImage(Tensor x, int height, int width) {
        int[] s = x.shape();
        int c = s[2];
        int hw = height * width;
        if (s[1] != hw) {
            throw new IllegalArgumentException("tokensToImage: " + s[1] + " tokens for " + height + "×" + width);
        }
        float[] in = cpu(x).data;
        float[] out = new float[in.length];
        for (int b = 0; b < s[0]; b++) {
            int base = b * c * hw;
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    out[base + ch * hw + p] = in[base + p * c + ch];
                }
            }
        }
        return new CpuTensor(out, new int[] {s[0], c, height, width});
    }

    @Override
    public Tensor unpatchify(Tensor x, int h, int w, int patch, int channels) {
        int[] s = x.shape();
        if (s[1] != h * w || s[2] != patch * patch * channels) {
            throw new IllegalArgumentException("unpatchify: " + Arrays.toString(s) + " for grid " + h + "×" + w
                    + ", patch " + patch + ", " + channels + " channels");
        }
        float[] in = cpu(x).data;
        int oh = h * patch;
        int ow = w * patch;
        float[] out = new float[in.length];
        for (int b = 0; b < s[0]; b++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int tok = ((b * h + i) * w + j) * s[2];
                    for (int a = 0; a < patch; a++) {
                        for (int bb = 0; bb < patch; bb++) {
                            for (int c = 0; c < channels; c++) {
                                out[((b * channels + c) * oh + i * patch + a) * ow + j * patch + bb] =
                                        in[tok + (a * patch + bb) * channels + c];
                            }
                        }
                    }
                }
            }
        }
        return new CpuTensor(out, new int[] {s[0], channels, oh, ow});
    }

    // ---- token grid (token density) ---------------------------------------------------------

    @Override
    public Tensor poolTokens(Tensor x, int height, int width, int cell, TokenPooling mode) {
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("poolTokens", "cell", cell);
        int[] s = grid.requireTokens("poolTokens", x.shape());
        int tokens = s[1];
        int d = s[2];
        int cols = grid.tileColumns(cell);
        int cells = grid.tiles(cell);
        float[] in = cpu(x).data;
        float[] out = new float[s[0] * cells * d];
        parallel(s[0] * cells, task -> {
            int b = task / cells;
            int c = task % cells;
            int r0 = (c / cols) * cell;
            int c0 = (c % cols) * cell;
            int o = task * d;
            if (mode == TokenPooling.NEAREST) {
                System.arraycopy(in, (b * tokens + r0 * width + c0) * d, out, o, d);
                return;
            }
            // Summed in row-major order, then divided: the order the Vulkan kernel uses.
            for (int r = r0; r < Math.min(height, r0 + cell); r++) {
                for (int cc = c0; cc < Math.min(width, c0 + cell); cc++) {
                    int at = (b * tokens + r * width + cc) * d;
                    for (int i = 0; i < d; i++) {
                        out[o + i] += in[at + i];
                    }
                }
            }
            float count = grid.tokensIn(c, cell);
            for (int i = 0; i < d; i++) {
                out[o + i] /= count;
            }
        });
        return new CpuTensor(out, new int[] {s[0], cells, d});
    }

    @Override
    public Tensor upsampleTokens(Tensor x, int height, int width, int cell) {
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("upsampleTokens", "cell", cell);
        int[] s = x.shape();
        int cells = grid.tiles(cell);
        if (s.length != 3 || s[1] != cells) {
            throw new IllegalArgumentException("upsampleTokens: " + Arrays.toString(s) + " is not [batch, " + cells
                    + " cells of " + cell + "×" + cell + " on a " + height + "×" + width + " grid, channels]");
        }
        int d = s[2];
        int tokens = grid.tokens();
        float[] in = cpu(x).data;
        float[] out = new float[s[0] * tokens * d];
        parallel(s[0] * tokens, task -> {
            int b = task / tokens;
            System.arraycopy(in, (b * cells + grid.tileOf(task % tokens, cell)) * d, out, task * d, d);
        });
        return new CpuTensor(out, new int[] {s[0], tokens, d});
    }

    @Override
    public Tensor localPooledAttention(Tensor q, Tensor k, Tensor v, Tensor pooledK, Tensor pooledV, int heads,
                                       float scale, int height, int width, int window, int cell) {
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("localPooledAttention", "window", window);
        TokenGrid.requireSide("localPooledAttention", "cell", cell);
        int[] qs = grid.requireTokens("localPooledAttention", q.shape());
        int cells = grid.tiles(cell);
        int[] ps = pooledK.shape();
        if (!Arrays.equals(qs, k.shape()) || !Arrays.equals(qs, v.shape()) || qs[2] % heads != 0
                || !Arrays.equals(ps, pooledV.shape()) || ps.length != 3 || ps[0] != qs[0] || ps[1] != cells
                || ps[2] != qs[2]) {
            throw new IllegalArgumentException("localPooledAttention: q " + Arrays.toString(qs) + ", k " + Tensor.describe(k)
                    + ", v " + Tensor.describe(v) + ", pooled k " + Arrays.toString(ps) + ", pooled v "
                    + Tensor.describe(pooledV) + " with " + heads + " heads, " + cells + " cells");
        }
        int batch = qs[0];
        int tokens = qs[1];
        int width3 = qs[2];
        int d = width3 / heads;
        float[] qd = cpu(q).data;
        float[] kd = cpu(k).data;
        float[] vd = cpu(v).data;
        float[] pk = cpu(pooledK).data;
        float[] pv = cpu(pooledV).data;
        float[] cellBias = new float[cells];
        for (int c = 0; c < cells; c++) {
            cellBias[c] = (float) Math.log(grid.tokensIn(c, cell));
        }
        int tiles = grid.tiles(window);
        int tileCols = grid.tileColumns(window);
        float[] out = new float[batch * tokens * width3];
        // One task per (batch row, head, window tile): its queries and dense keys are the tile's
        // tokens, gathered into contiguous rows beside the pooled keys, so scores and outputs are
        // two small GEMMs with the softmax between.
        parallel(batch * heads * tiles, task -> {
            int tile = task % tiles;
            int h = (task / tiles) % heads;
            int b = task / (tiles * heads);
            int r0 = (tile / tileCols) * window;
            int c0 = (tile % tileCols) * window;
            int rows = Math.min(height, r0 + window) - r0;
            int colsIn = Math.min(width, c0 + window) - c0;
            int local = rows * colsIn;
            int keys = local + cells;
            int[] token = new int[local];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < colsIn; c++) {
                    token[r * colsIn + c] = (r0 + r) * width + c0 + c;
                }
            }
            float[] qb = new float[local * d];
            float[] kb = new float[keys * d];
            float[] vb = new float[keys * d];
            for (int i = 0; i < local; i++) {
                int at = (b * tokens + token[i]) * width3 + h * d;
                System.arraycopy(qd, at, qb, i * d, d);
                System.arraycopy(kd, at, kb, i * d, d);
                System.arraycopy(vd, at, vb, i * d, d);
            }
            for (int c = 0; c < cells; c++) {
                int at = (b * cells + c) * width3 + h * d;
                System.arraycopy(pk, at, kb, (local + c) * d, d);
                System.arraycopy(pv, at, vb, (local + c) * d, d);
            }
            float[] scores = new float[local * keys];
            MatMul.gemmNT(qb, 0, d, kb, 0, d, local, keys, d, scores, 0, keys);
            for (int r = 0; r < local; r++) {
                int row = r * keys;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    float sc = scores[row + j] * scale;
                    if (j >= local) {
                        sc += cellBias[j - local];
                    }
                    scores[row + j] = sc;
                    max = Math.max(max, sc);
                }
                softmaxFromMax(scores, row, keys, max);
            }
            float[] ob = new float[local * d];
            MatMul.gemmNN(scores, 0, keys, vb, 0, d, local, d, keys, ob, 0, d);
            for (int i = 0; i < local; i++) {
                System.arraycopy(ob, i * d, out, (b * tokens + token[i]) * width3 + h * d, d);
            }
        });
        return new CpuTensor(out, qs);
    }

    // ---- helpers -------------------------------------------------------------------------------

    static CpuTensor cpu(Tensor t) {
        if (t instanceof CpuTensor c) {
            return c;
        }
        throw new IllegalArgumentException("the CPU backend cannot use " + t + " here");
    }

    static void parallel(int tasks, java.util.function.IntConsumer body) {
        CpuThreads.parallelFor(tasks, body);
    }

    private interface Range {
        void run(int from, int to);
    }

    private static void parallelChunks(int length, Range body) {
        int chunk = 1 << 14;
        int chunks = (length + chunk - 1) / chunk;
        parallel(chunks, c -> body.run(c * chunk, Math.min(length, (c + 1) * chunk)));
    }

    static DType dtypeOf(Tensor t) {
        return t instanceof CpuWeight w ? w.dtype : DType.F32;
    }

    /** Turns {@code n} scores at {@code row} into softmax weights, given their maximum. */
    private static void softmaxFromMax(float[] scores, int row, int n, float max) {
        float sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(scores[row + j] - max);
            scores[row + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            scores[row + j] *= inv;
        }
    }
}
