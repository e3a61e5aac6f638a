package dev.lumen.engine.cpu;

import dev.lumen.engine.format.Dtypes;
import dev.lumen.engine.tensor.Tensor;

/** The matrix products of the CPU backend, in one place so the kernels behind them can change. */
final class MatMul {
    private MatMul() {
    }

    /** out[m, n] = x[m, k] · Wᵀ + bias, W [n, k] a CpuTensor or a CpuWeight in its stored dtype. */
    static void linear(float[] x, int m, int k, Tensor weight, int n, float[] bias, float[] out) {
        float[] w;
        if (weight instanceof CpuWeight cw) {
            w = new float[n * k];
            Dtypes.widen(cw.data, cw.dtype, 0, w, 0, w.length);
        } else {
            w = CpuOps.cpu(weight).data;
        }
        float[] ww = w;
        CpuOps.parallel(m, i -> {
            for (int j = 0; j < n; j++) {
                float s = bias == null ? 0f : bias[j];
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += x[i * k + p] * ww[j * k + p];
                }
                out[i * n + j] = s + acc;
            }
        });
    }

    /** c[m, n] = a[m, k] · b[n, k]ᵀ with row strides. */
    static void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int m, int n, int k,
                       float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += a[aOff + i * lda + p] * b[bOff + j * ldb + p];
                }
                c[cOff + i * ldc + j] = acc;
            }
        }
    }

    /** c[m, n] = a[m, k] · b[k, n] with row strides. */
    static void gemmNN(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int m, int n, int k,
                       float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[cOff + i * ldc + j] = 0f;
            }
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * lda + p];
                for (int j = 0; j < n; j++) {
                    c[cOff + i * ldc + j] += av * b[bOff + p * ldb + j];
                }
            }
        }
    }
}
