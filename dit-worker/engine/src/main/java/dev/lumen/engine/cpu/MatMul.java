package dev.lumen.engine.cpu;

import dev.lumen.engine.tensor.Tensor;

/**
 * The matrix products of the CPU backend, in one place: they route CpuOps' tensors to the packed,
 * vectorised {@link CpuGemm} kernels (weights read in their stored dtype).
 */
final class MatMul {
    private MatMul() {
    }

    /** out[m, n] = x[m, k] · Wᵀ + bias, W [n, k] a CpuTensor or a CpuWeight in its stored dtype. */
    static void linear(float[] x, int m, int k, Tensor weight, int n, float[] bias, float[] out) {
        if (weight instanceof CpuWeight cw) {
            CpuGemm.linear(x, 0, m, k, cw.data, cw.dtype, n, bias, out, 0);
        } else {
            float[] w = CpuOps.cpu(weight).data;
            CpuGemm.matmulTransposed(m, n, k, x, 0, k, w, 0, k, out, 0, n);
            if (bias != null) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        out[i * n + j] += bias[j];
                    }
                }
            }
        }
    }

    /** c[m, n] = a[m, k] · b[n, k]ᵀ with row strides. */
    static void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int m, int n, int k,
                       float[] c, int cOff, int ldc) {
        CpuGemm.matmulTransposed(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    /** c[m, n] = a[m, k] · b[k, n] with row strides. */
    static void gemmNN(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int m, int n, int k,
                       float[] c, int cOff, int ldc) {
        CpuGemm.matmul(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }
}
