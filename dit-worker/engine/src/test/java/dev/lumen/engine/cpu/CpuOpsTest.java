package dev.lumen.engine.cpu;

import static dev.lumen.engine.testing.Fixtures.relativeError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every CPU operation against a straightforward double-precision formula on random inputs of awkward sizes. */
class CpuOpsTest {
    private static final double TOL = 1e-5;
    private final CpuOps ops = new CpuOps();
    private final Random random = new Random(42);

    @TempDir
    Path dir;

    private float[] rnd(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private Tensor t(float[] v, int... shape) {
        return ops.fromHost(v, shape);
    }

    private void check(Tensor out, double[] ref) {
        float[] r = new float[ref.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) ref[i];
        }
        assertThat(relativeError(ops.toHost(out), r)).isLessThan(TOL);
    }

    @Test
    void linearWithStoredDtypes() throws IOException {
        int m = 13;
        int k = 37;
        int n = 19;
        float[] x = rnd(m * k);
        float[] w = rnd(n * k);
        float[] b = rnd(n);
        for (DType dtype : DType.values()) {
            Path file = dir.resolve("w-" + dtype + ".safetensors");
            // A large enough matrix stays a memory-mapped CpuWeight; pad rows to exceed the small-weight limit.
            int rows = (1 << 20) / k + 1;
            float[] big = new float[rows * k];
            System.arraycopy(w, 0, big, 0, w.length);
            new SafetensorsWriter().add("w", dtype, big, rows, k).add("small", dtype, w, n, k).write(file);
            try (TensorSource src = TensorSource.open(file)) {
                float[] stored = src.floats("small");
                double[] ref = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = b[j];
                        for (int p = 0; p < k; p++) {
                            s += (double) x[i * k + p] * stored[j * k + p];
                        }
                        ref[i * n + j] = s;
                    }
                }
                check(ops.linear(t(x, m, k), ops.weight(src, "small"), t(b, n)), ref);
                Tensor mapped = ops.weight(src, "w");
                assertThat(mapped).isInstanceOf(CpuWeight.class);
                float[] out = ops.toHost(ops.linear(t(x, m, k), mapped, null));
                // The first n outputs of each row use the same weights (without bias).
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        assertThat((double) out[i * rows + j]).isCloseTo(ref[i * n + j] - b[j],
                                org.assertj.core.data.Offset.offset(1e-3));
                    }
                }
            }
        }
    }

    @Test
    void attentionWithKeyAndHeadBias() {
        int batch = 2;
        int heads = 3;
        int d = 5;
        int sq = 70;
        int sk = 9;
        int width = heads * d;
        float[] q = rnd(batch * sq * width);
        float[] k = rnd(batch * sk * width);
        float[] v = rnd(batch * sk * width);
        float[] kb = new float[batch * sk];
        kb[sk - 1] = -10000f; // a masked key in row 0
        kb[sk + 2] = -Float.MAX_VALUE;
        float[] hb = rnd(heads * sq * sk);
        float scale = 0.37f;
        double[] ref = new double[batch * sq * width];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < sq; i++) {
                    double[] s = new double[sk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < sk; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) {
                            dot += (double) q[(b * sq + i) * width + h * d + c] * k[(b * sk + j) * width + h * d + c];
                        }
                        s[j] = dot * scale + kb[b * sk + j] + hb[(h * sq + i) * sk + j];
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < sk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = 0; j < sk; j++) {
                            acc += s[j] / sum * v[(b * sk + j) * width + h * d + c];
                        }
                        ref[(b * sq + i) * width + h * d + c] = acc;
                    }
                }
            }
        }
        check(ops.attention(t(q, batch, sq, width), t(k, batch, sk, width), t(v, batch, sk, width), heads, scale,
                t(kb, batch, sk), t(hb, heads, sq, sk)), ref);
    }

    @Test
    void normsMatchTheirFormulas() {
        int batch = 2;
        int tokens = 5;
        int d = 33;
        float[] x = rnd(batch * tokens * d);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 4 + 7; // offset mean: the variance must be centred
        }
        float[] mod = rnd(batch * 3 * d);
        double[] ln = new double[x.length];
        double[] lnMod = new double[x.length];
        float[] w = rnd(d);
        double[] rms = new double[x.length];
        for (int r = 0; r < batch * tokens; r++) {
            double mean = 0;
            double sq = 0;
            for (int i = 0; i < d; i++) {
                mean += x[r * d + i];
                sq += (double) x[r * d + i] * x[r * d + i];
            }
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                var += Math.pow(x[r * d + i] - mean, 2);
            }
            var /= d;
            int b = r / tokens;
            for (int i = 0; i < d; i++) {
                ln[r * d + i] = (x[r * d + i] - mean) / Math.sqrt(var + 1e-6);
                // shift = row 2, scale = row 0
                lnMod[r * d + i] = ln[r * d + i] * (1 + mod[(b * 3) * d + i]) + mod[(b * 3 + 2) * d + i];
                rms[r * d + i] = w[i] * x[r * d + i] / Math.sqrt(sq / d + 1e-6);
            }
        }
        check(ops.layerNorm(t(x, batch, tokens, d), 1e-6f), ln);
        check(ops.layerNormModulate(t(x, batch, tokens, d), t(mod, batch, 3, d), 2, 0, 1e-6f), lnMod);
        check(ops.rmsNorm(t(x, batch, tokens, d), t(w, d), 1e-6f), rms);
    }

    @Test
    void groupNormMatchesItsFormula() {
        int batch = 2;
        int c = 6;
        int groups = 3;
        int h = 5;
        int w = 7;
        float[] x = rnd(batch * c * h * w);
        float[] gw = rnd(c);
        float[] gb = rnd(c);
        double[] ref = new double[x.length];
        int per = c / groups * h * w;
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < groups; g++) {
                int off = (b * groups + g) * per;
                double mean = 0;
                for (int i = 0; i < per; i++) {
                    mean += x[off + i];
                }
                mean /= per;
                double var = 0;
                for (int i = 0; i < per; i++) {
                    var += Math.pow(x[off + i] - mean, 2);
                }
                var /= per;
                for (int i = 0; i < per; i++) {
                    int ch = g * (c / groups) + i / (h * w);
                    ref[off + i] = (x[off + i] - mean) / Math.sqrt(var + 1e-6) * gw[ch] + gb[ch];
                }
            }
        }
        check(ops.groupNorm(t(x, batch, c, h, w), groups, t(gw, c), t(gb, c), 1e-6f), ref);
    }

    @Test
    void elementwiseAndBroadcasting() {
        float[] a = rnd(2 * 3 * 4);
        float[] b = rnd(3 * 4);
        float[] c = rnd(2 * 1 * 4);
        double[] gelu = new double[a.length];
        double[] silu = new double[a.length];
        double[] sum = new double[a.length];
        double[] prod = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double v = a[i];
            gelu[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            silu[i] = v / (1 + Math.exp(-v));
            sum[i] = a[i] + b[i % 12];
            prod[i] = a[i] * c[(i / 12) * 4 + i % 4];
        }
        check(ops.geluTanh(t(a, 2, 3, 4)), gelu);
        check(ops.silu(t(a, 2, 3, 4)), silu);
        check(ops.add(t(a, 2, 3, 4), t(b, 3, 4)), sum);
        check(ops.mul(t(a, 2, 3, 4), t(c, 2, 1, 4)), prod);

        Tensor x = t(a.clone(), 2, 3, 4);
        float[] mod = rnd(2 * 2 * 4);
        float[] y = rnd(a.length);
        double[] gated = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            int bIdx = i / 12;
            gated[i] = a[i] + mod[(bIdx * 2 + 1) * 4 + i % 4] * y[i];
        }
        ops.addGatedInPlace(x, t(mod, 2, 2, 4), 1, t(y, 2, 3, 4));
        check(x, gated);
    }

    @Test
    void conv2dMatchesDirectConvolution() {
        int batch = 2;
        int cin = 3;
        int cout = 5;
        int h = 9;
        int w = 7;
        for (int[] kps : new int[][] {{3, 1, 1}, {1, 1, 0}, {2, 2, 0}}) {
            int k = kps[0];
            int stride = kps[1];
            int pad = kps[2];
            float[] x = rnd(batch * cin * h * w);
            float[] wt = rnd(cout * cin * k * k);
            float[] bias = rnd(cout);
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (w + 2 * pad - k) / stride + 1;
            double[] ref = new double[batch * cout * oh * ow];
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < cout; o++) {
                    for (int y = 0; y < oh; y++) {
                        for (int xx = 0; xx < ow; xx++) {
                            double s = bias[o];
                            for (int c = 0; c < cin; c++) {
                                for (int dy = 0; dy < k; dy++) {
                                    for (int dx = 0; dx < k; dx++) {
                                        int iy = y * stride - pad + dy;
                                        int ix = xx * stride - pad + dx;
                                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                            s += (double) x[((b * cin + c) * h + iy) * w + ix] * wt[((o * cin + c) * k + dy) * k + dx];
                                        }
                                    }
                                }
                            }
                            ref[((b * cout + o) * oh + y) * ow + xx] = s;
                        }
                    }
                }
            }
            check(ops.conv2d(t(x, batch, cin, h, w), t(wt, cout, cin, k, k), t(bias, cout), stride, pad), ref);
        }
    }

    @Test
    void layoutMovesAreExactPermutations() {
        int b = 2;
        int c = 3;
        int h = 4;
        int w = 5;
        float[] x = rnd(b * c * h * w);
        float[] tokens = ops.toHost(ops.imageToTokens(t(x, b, c, h, w)));
        assertThat(tokens[((1 * h * w) + 2 * w + 3) * c + 2]).isEqualTo(x[((1 * c + 2) * h + 2) * w + 3]);
        assertThat(ops.toHost(ops.tokensToImage(t(tokens, b, h * w, c), h, w))).containsExactly(x);
        float[] up = ops.toHost(ops.upsampleNearest2x(t(x, b, c, h, w)));
        assertThat(up[((1 * c + 1) * 2 * h + 5) * 2 * w + 7]).isEqualTo(x[((1 * c + 1) * h + 2) * w + 3]);
        // unpatchify: token (i, j) channel (a·p + β)·C + ch → pixel (i·p + a, j·p + β)
        int p = 2;
        float[] patches = rnd(b * h * w * p * p * c);
        float[] img = ops.toHost(ops.unpatchify(t(patches, b, h * w, p * p * c), h, w, p, c));
        int i = 3;
        int j = 1;
        int a = 1;
        int beta = 0;
        int ch = 2;
        assertThat(img[((1 * c + ch) * h * p + i * p + a) * w * p + j * p + beta])
                .isEqualTo(patches[((1 * h + i) * w + j) * p * p * c + (a * p + beta) * c + ch]);
    }

    @Test
    void rangedAttentionSeesOnlyEachQuerysKeys() {
        int batch = 2;
        int sq = 70; // more than one 64-query block, with ranges of every shape inside a block
        int sk = 23;
        int heads = 3;
        int d = 5;
        int width = heads * d;
        float[] q = rnd(batch * sq * width);
        float[] k = rnd(batch * sk * width);
        float[] v = rnd(batch * sk * width);
        int[] ranges = new int[2 * sq];
        for (int i = 0; i < sq; i++) {
            int a = random.nextInt(sk);
            int b = random.nextInt(sk);
            ranges[2 * i] = Math.min(a, b);
            ranges[2 * i + 1] = Math.max(a, b) + 1;
        }
        float scale = 0.37f;
        for (boolean shared : new boolean[] {false, true}) {
            double[] ref = new double[batch * sq * width];
            for (int b = 0; b < batch; b++) {
                int kb = shared ? 0 : b;
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < sq; i++) {
                        int lo = ranges[2 * i];
                        int hi = ranges[2 * i + 1];
                        double[] p = new double[hi - lo];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = lo; j < hi; j++) {
                            double dot = 0;
                            for (int c = 0; c < d; c++) {
                                dot += (double) q[(b * sq + i) * width + h * d + c] * k[(kb * sk + j) * width + h * d + c];
                            }
                            p[j - lo] = dot * scale;
                            max = Math.max(max, p[j - lo]);
                        }
                        double sum = 0;
                        for (int j = 0; j < p.length; j++) {
                            p[j] = Math.exp(p[j] - max);
                            sum += p[j];
                        }
                        for (int c = 0; c < d; c++) {
                            double o = 0;
                            for (int j = lo; j < hi; j++) {
                                o += p[j - lo] / sum * v[(kb * sk + j) * width + h * d + c];
                            }
                            ref[(b * sq + i) * width + h * d + c] = o;
                        }
                    }
                }
            }
            int kvBatch = shared ? 1 : batch;
            check(ops.rangedAttention(t(q, batch, sq, width), t(java.util.Arrays.copyOf(k, kvBatch * sk * width), kvBatch, sk, width),
                    t(java.util.Arrays.copyOf(v, kvBatch * sk * width), kvBatch, sk, width), heads, scale, ops.indices(ranges)), ref);
        }
        int[] empty = ranges.clone();
        empty[7] = empty[6];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ops.rangedAttention(t(q, batch, sq, width),
                        t(k, batch, sk, width), t(v, batch, sk, width), heads, scale, ops.indices(empty)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query 3");
    }

    @Test
    void gatherAndBlendTokensAreExactRowMoves() {
        int batch = 3;
        int n = 7;
        int d = 4;
        float[] x = rnd(batch * n * d);
        int[] order = {6, 2, 0, 5, 1, 3, 4};
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            rank[order[i]] = i;
        }
        float[] g = ops.toHost(ops.gatherTokens(t(x, batch, n, d), 1, 2, ops.indices(order)));
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    assertThat(g[(b * n + i) * d + c]).isEqualTo(x[((1 + b) * n + order[i]) * d + c]);
                }
            }
        }
        float[] y = rnd(2 * n * d);
        Tensor target = t(x, batch, n, d);
        ops.blendTokensInPlace(target, 1, 0.25f, t(y, 2, n, d), ops.indices(rank));
        float[] out = ops.toHost(target);
        for (int i = 0; i < n * d; i++) {
            assertThat(out[i]).as("row 0 untouched").isEqualTo(x[i]);
        }
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    int at = ((1 + b) * n + i) * d + c;
                    assertThat(out[at]).isEqualTo(0.25f * x[at] + 0.75f * y[(b * n + rank[i]) * d + c]);
                }
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ops.gatherTokens(t(x, batch, n, d), 0, 1,
                ops.indices(new int[] {7}))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ops.gatherTokens(t(x, batch, n, d), 2, 2,
                ops.indices(order))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows [2, 4)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ops.add(ops.indices(order), t(x, batch, n, d)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
