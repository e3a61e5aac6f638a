package dev.lumen.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel of {@link CpuGemm}: one {@link #MR}×{@link #NR} tile of C from
 * MR rows of A, read in place (row stride lda), and a packed B micro-panel (kc×NR, the NR values of
 * one depth step adjacent).
 *
 * <p>The tile is MR = 4 rows by NR = two vectors of the preferred species. Each depth step issues 8
 * independent FMAs, as many as the FMA latency times the FMA pipes (4 cycles × 2 on Zen 3), against
 * 2 vector loads and 4 broadcasts. C2 schedules all of a step's broadcasts before its FMAs, so a
 * step needs 8 accumulators + 2 B vectors + 4 broadcasts = 14 of the 16 AVX2 registers. The
 * textbook 6×16 tile (12 + 2 + 6 = 20) spills an accumulator to the stack every step, and the
 * store-reload then sits on that accumulator's dependency chain: measured on Zen 3 with JDK 25, 6×16
 * runs at about 45% of the FMA peak and 4×16 at about 90%, in L1. Unrolling the depth loop by hand
 * hurts for the same reason (more broadcasts hoisted, more spills), so the loop is kept simple.
 */
final class GemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Rows of a tile. */
    static final int MR = 4;
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * LANES;

    private GemmKernel() {
    }

    /**
     * Computes one full tile: {@code acc[i][j] = Σ_p a[aOff + i*lda + p] · bp[bOff + p*NR + j]} over
     * {@code kc} depth steps, then stores into C at {@code c[cOff + i*ldc + j]}: added to what C
     * holds when {@code accumulate}, otherwise replacing it, plus {@code bias[biasOff + j]} when bias
     * is non-null.
     */
    static void tile(int kc, float[] a, int aOff, int lda, float[] bp, int bOff,
                     float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff) {
        // A is not packed: its rows are already contiguous in depth, and reading them in place saves a
        // copy per task that cost more (up to a fifth of the time with fine column splits) than the
        // 2-3% the kernel loses to four load streams instead of one.
        int a0 = aOff, a1 = aOff + lda, a2 = aOff + 2 * lda, a3 = aOff + 3 * lda;
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            int b = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(SPECIES, bias, biasOff);
            FloatVector bias1 = FloatVector.fromArray(SPECIES, bias, biasOff + LANES);
            c00 = c00.add(bias0);
            c01 = c01.add(bias1);
            c10 = c10.add(bias0);
            c11 = c11.add(bias1);
            c20 = c20.add(bias0);
            c21 = c21.add(bias1);
            c30 = c30.add(bias0);
            c31 = c31.add(bias1);
        }
        store(c00, c01, c, cOff, accumulate);
        store(c10, c11, c, cOff + ldc, accumulate);
        store(c20, c21, c, cOff + 2 * ldc, accumulate);
        store(c30, c31, c, cOff + 3 * ldc, accumulate);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int off, boolean accumulate) {
        if (accumulate) {
            v0 = v0.add(FloatVector.fromArray(SPECIES, c, off));
            v1 = v1.add(FloatVector.fromArray(SPECIES, c, off + LANES));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + LANES);
    }

    /**
     * A partial tile ({@code rows ≤ MR}, {@code cols ≤ NR}) at the bottom or right edge of C: the
     * full tile is computed into {@code scratch} (MR×NR) and only the valid part is written to C. A
     * must still have MR readable rows (the caller pads a short last strip) and the packed B panel is
     * zero beyond its columns, so the extra results are harmless.
     */
    static void edgeTile(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, int rows, int cols,
                         float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff,
                         float[] scratch) {
        tile(kc, a, aOff, lda, bp, bOff, scratch, 0, NR, false, null, 0);
        for (int i = 0; i < rows; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < cols; j++) {
                float v = scratch[i * NR + j];
                if (bias != null) {
                    v += bias[biasOff + j];
                }
                c[row + j] = accumulate ? c[row + j] + v : v;
            }
        }
    }
}
