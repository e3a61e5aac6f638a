package dev.lumen.engine.cpu;

import static dev.lumen.engine.cpu.GemmKernel.MR;
import static dev.lumen.engine.cpu.GemmKernel.NR;

import dev.lumen.engine.cpu.GemmPanels.RightOperand;
import dev.lumen.engine.cpu.GemmPanels.RowMajorArray;
import dev.lumen.engine.cpu.GemmPanels.StoredWeights;
import dev.lumen.engine.cpu.GemmPanels.TransposedArray;
import dev.lumen.engine.format.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Matrix products for the CPU backend, in fp32 with the Vector API on all cores.
 *
 * <p>All matrices are row-major. Every entry point takes an offset and a row stride (lda, ldb,
 * ldc) per matrix, so one attention head inside a [tokens, heads·dim] activation can be addressed
 * without copying. Results are written, never accumulated: {@code C = A·op(B) (+ bias)}.
 *
 * <p>Design, a packed GEMM in the BLIS manner adapted to the JIT: B (the weight) is packed one
 * column block at a time, widened from its stored dtype and transposed into NR-column micro-panels,
 * and then reused for every row of A, so a weight is never materialised in fp32 as a whole. Depth is
 * cut into blocks of about {@link #KC} so that a B micro-panel (KC×NR floats, 24 KiB) stays in L1
 * while the MC rows of A it meets (read in place, not packed) stay in L2, and all depth blocks of
 * one MC-row block of C run back to back so C too is accumulated in L2. {@link GemmKernel} computes
 * 4×16 tiles. Work is split into column ranges (each task packs only its own columns of B), and
 * into row ranges as well when there are too few columns, and run with
 * {@link CpuThreads#parallelFor}.
 *
 * <p>Every element of C is computed the same way whatever the number of rows and however the work
 * is split: a sequential FMA chain over each depth block, the bias added to the first block, the
 * blocks summed in order. A row's result therefore does not depend on which other rows share the
 * product, so a job gives the same bits alone or batched with others (and with or without
 * guidance's doubled batch). Small-m products (timestep MLPs, adaLN) used to take vectorised dot
 * products whose lane-wise partial sums rounded differently: cheaper, but batch-dependent.
 *
 * <p>Measured with {@link GemmBenchmark} on a 2-core Zen 3 (AVX2), the transformer's products
 * (M = 256..4096, 1152↔4608) run at 65-85% of the machine's fp32 FMA peak.
 *
 * <p>Small products run on the calling thread alone, so these methods may also be called from
 * inside a {@code parallelFor} body (for example one attention head per task).
 */
public final class CpuGemm {
    /**
     * Depth block: a B micro-panel of KC×NR floats (24 KiB) stays in L1 beside the A values and C
     * tile passing through. 256..512 measured within noise of each other; fewer, longer blocks mean
     * fewer passes over C.
     */
    static final int KC = 384;
    /** Row block (a multiple of MR): its MC×KC block of A (96 KiB) and MC×nc block of C stay in L2 (512 KiB on Zen 3). */
    static final int MC = 16 * MR;
    /**
     * Packed B per thread, in floats (2 MiB, in L3): a column block of B is packed for its whole
     * depth, so this bounds its width (1152 deep: 448 columns; 4608 deep: 112), and with it the
     * MC-row block of C that must stay in L2.
     */
    static final int B_BUDGET_FLOATS = 512 * 1024;
    /** Below this many flops a product runs on the calling thread: waking helpers would cost more. */
    static final long PARALLEL_MIN_FLOPS = 4L << 20;
    /** Tasks per thread: a few, so a core slowed by someone else just takes fewer of them. */
    private static final int TASKS_PER_THREAD = 4;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private CpuGemm() {
    }

    /**
     * A linear layer with contiguous rows: {@code out[m, n] = x[m, k] · Wᵀ + bias}, W being
     * row-major [n, k] in its stored dtype. See {@link #linear(float[], int, int, int, int,
     * MemorySegment, DType, int, float[], float[], int, int)}.
     */
    public static void linear(float[] x, int xOff, int m, int k, MemorySegment w, DType wType, int n,
                              float[] bias, float[] out, int outOff) {
        linear(x, xOff, k, m, k, w, wType, n, bias, out, outOff, n);
    }

    /**
     * A linear layer: {@code out[i*ldo + j] = Σ_p x[i*ldx + p] · W[j, p] + bias[j]} (offsets
     * added) for i &lt; m, j &lt; n. W is a little-endian row-major [n, k] tensor in {@code w} (from
     * byte 0) of type {@code wType}; it is widened to fp32 one packed panel at a time. Large products
     * read {@code w} from pool threads, so it must not be confined to the calling thread (mapped
     * files and shared or global arenas are fine).
     *
     * @param bias n values, or null for none
     */
    public static void linear(float[] x, int xOff, int ldx, int m, int k, MemorySegment w, DType wType, int n,
                              float[] bias, float[] out, int outOff, int ldo) {
        Objects.requireNonNull(wType, "wType");
        checkMatrix("x", x, xOff, m, k, ldx);
        checkMatrix("out", out, outOff, m, n, ldo);
        if (w.byteSize() < (long) n * k * wType.byteSize()) {
            throw new IllegalArgumentException("weight segment holds " + w.byteSize() + " bytes, [" + n + ", " + k
                    + "] " + wType + " needs " + (long) n * k * wType.byteSize());
        }
        checkBias(bias, n);
        run(m, n, k, x, xOff, ldx, new StoredWeights(w, wType, k), bias, out, outOff, ldo);
    }

    /**
     * {@code C = A · Bᵀ}: {@code c[i*ldc + j] = Σ_p a[i*lda + p] · b[j*ldb + p]} (offsets added)
     * for A [m, k] and B [n, k], as in attention scores Q·Kᵀ.
     */
    public static void matmulTransposed(int m, int n, int k, float[] a, int aOff, int lda,
                                        float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        checkMatrix("a", a, aOff, m, k, lda);
        checkMatrix("b", b, bOff, n, k, ldb);
        checkMatrix("c", c, cOff, m, n, ldc);
        run(m, n, k, a, aOff, lda, new TransposedArray(b, bOff, ldb), null, c, cOff, ldc);
    }

    /**
     * {@code C = A · B}: {@code c[i*ldc + j] = Σ_p a[i*lda + p] · b[p*ldb + j]} (offsets added)
     * for A [m, k] and B [k, n], as in attention's P·V.
     */
    public static void matmul(int m, int n, int k, float[] a, int aOff, int lda,
                              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        checkMatrix("a", a, aOff, m, k, lda);
        checkMatrix("b", b, bOff, k, n, ldb);
        checkMatrix("c", c, cOff, m, n, ldc);
        run(m, n, k, a, aOff, lda, new RowMajorArray(b, bOff, ldb), null, c, cOff, ldc);
    }

    private static void run(int m, int n, int k, float[] a, int aOff, int lda, RightOperand b,
                            float[] bias, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                int row = cOff + i * ldc;
                if (bias == null) {
                    Arrays.fill(c, row, row + n, 0f);
                } else {
                    System.arraycopy(bias, 0, c, row, n);
                }
            }
            return;
        }
        int threads = CpuThreads.count();
        boolean parallel = threads > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS;
        int mPanels = ceilDiv(m, MR);
        int nPanels = ceilDiv(n, NR);
        if (!parallel) {
            block(0, m, 0, n, k, a, aOff, lda, b, bias, c, cOff, ldc);
            return;
        }
        // Prefer splitting columns: every task that covers a column range packs (widens, transposes)
        // those columns of B, so splitting rows repacks B once per row range, while A is read in place
        // and costs nothing to share. Rows are split only when there are too few column panels.
        int target = threads * TASKS_PER_THREAD;
        int tasksN = Math.min(nPanels, target);
        int tasksM = Math.min(mPanels, ceilDiv(target, tasksN));
        CpuThreads.parallelFor(tasksM * tasksN, task -> {
            int tm = task / tasksN, tn = task % tasksN;
            int m0 = Math.min(m, (int) ((long) mPanels * tm / tasksM) * MR);
            int m1 = Math.min(m, (int) ((long) mPanels * (tm + 1) / tasksM) * MR);
            int n0 = Math.min(n, (int) ((long) nPanels * tn / tasksN) * NR);
            int n1 = Math.min(n, (int) ((long) nPanels * (tn + 1) / tasksN) * NR);
            if (m0 < m1 && n0 < n1) {
                block(m0, m1, n0, n1, k, a, aOff, lda, b, bias, c, cOff, ldc);
            }
        });
    }

    /**
     * The blocked product for C rows [m0, m1) × columns [n0, n1), on the calling thread.
     *
     * <p>B is packed for the whole depth of a column block first, then row blocks are finished one
     * at a time: all depth blocks of one MC×nc block of C run back to back, so C stays in L2 while it
     * is accumulated instead of travelling to memory and back once per depth block (10-20% of the
     * time at M = 4096 when the depth loop was outermost).
     */
    private static void block(int m0, int m1, int n0, int n1, int k, float[] a, int aOff, int lda,
                              RightOperand b, float[] bias, float[] c, int cOff, int ldc) {
        // Equal depth blocks (1000 → 3 × 334 rather than 2 × 384 + 232) keep every pass equally efficient.
        int kBlocks = ceilDiv(k, KC);
        int kcMax = ceilDiv(k, kBlocks);
        // Column block: as many NR-wide panels as fit the packed-B budget with the whole depth.
        int ncMax = Math.max(NR, Math.min(roundUp(n1 - n0, NR), B_BUDGET_FLOATS / k / NR * NR));
        Scratch s = SCRATCH.get();
        float[] bp = s.packedB(ncMax * k);
        float[] rows = s.rows(NR * kcMax);
        float[] edgeA = s.edgeA(MR * kcMax);
        for (int jc = n0; jc < n1; jc += ncMax) {
            int nc = Math.min(ncMax, n1 - jc);
            int ncPad = roundUp(nc, NR);
            // Depth block pc is packed at bp[pc * ncPad ..]: its panels of kc×NR follow each other.
            for (int pc = 0; pc < k; pc += kcMax) {
                b.pack(pc, Math.min(kcMax, k - pc), jc, nc, bp, pc * ncPad, rows);
            }
            for (int ic = m0; ic < m1; ic += MC) {
                int mc = Math.min(MC, m1 - ic);
                int fullRows = mc - mc % MR;
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    // The first depth block writes C (with the bias), later ones add to it.
                    boolean accumulate = pc > 0;
                    float[] tileBias = accumulate ? null : bias;
                    if (fullRows < mc) {
                        GemmPanels.padRows(a, aOff + (ic + fullRows) * lda + pc, lda, mc - fullRows, kc, edgeA);
                    }
                    // The A rows of this block (mc × kc) stay in L2 while every B micro-panel passes by.
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bOff = pc * ncPad + jr * kc;
                        int cCol = cOff + jc + jr;
                        for (int ir = 0; ir < fullRows; ir += MR) {
                            int aIdx = aOff + (ic + ir) * lda + pc;
                            int cIdx = cCol + (ic + ir) * ldc;
                            if (cols == NR) {
                                GemmKernel.tile(kc, a, aIdx, lda, bp, bOff, c, cIdx, ldc, accumulate, tileBias, jc + jr);
                            } else {
                                GemmKernel.edgeTile(kc, a, aIdx, lda, bp, bOff, MR, cols, c, cIdx, ldc,
                                        accumulate, tileBias, jc + jr, s.tile);
                            }
                        }
                        if (fullRows < mc) {
                            GemmKernel.edgeTile(kc, edgeA, 0, kc, bp, bOff, mc - fullRows, cols,
                                    c, cCol + (ic + fullRows) * ldc, ldc, accumulate, tileBias, jc + jr, s.tile);
                        }
                    }
                }
            }
        }
    }

    private static void checkMatrix(String name, float[] array, int off, int rows, int cols, int ld) {
        Objects.requireNonNull(array, name);
        if (rows < 0 || cols < 0 || off < 0) {
            throw new IllegalArgumentException(name + ": negative size or offset");
        }
        if (rows > 0 && cols > 0) {
            if (ld < cols) {
                throw new IllegalArgumentException(name + ": row stride " + ld + " < " + cols + " columns");
            }
            long end = off + (long) (rows - 1) * ld + cols;
            if (end > array.length) {
                throw new IndexOutOfBoundsException(name + ": [" + rows + ", " + cols + "] at offset " + off
                        + " stride " + ld + " needs " + end + " floats, array has " + array.length);
            }
        }
    }

    private static void checkBias(float[] bias, int n) {
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, " + n + " needed");
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }

    /** Per-thread packing buffers, grown on demand and kept: products run every denoising step. */
    private static final class Scratch {
        final float[] tile = new float[MR * NR];
        private float[] packedB = new float[0];
        private float[] rows = new float[0];
        private float[] edgeA = new float[0];

        float[] packedB(int size) {
            return packedB = atLeast(packedB, size);
        }

        float[] rows(int size) {
            return rows = atLeast(rows, size);
        }

        float[] edgeA(int size) {
            return edgeA = atLeast(edgeA, size);
        }

        private static float[] atLeast(float[] buffer, int size) {
            return buffer.length >= size ? buffer : new float[size];
        }
    }
}
