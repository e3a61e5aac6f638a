package dev.lumen.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.Dtypes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CpuGemmTest {
    private static final int[] MS = {1, 3, 17, 130};
    private static final int[] KS = {4, 24, 33, 1152};
    private static final int[] NS = {1, 8, 31, 100};
    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> shapes() {
        List<Arguments> all = new ArrayList<>();
        for (int m : MS) {
            for (int k : KS) {
                for (int n : NS) {
                    all.add(Arguments.of(m, k, n));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void linearMatchesReferenceForEveryWeightType(int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(31L * m + 7L * k + n);
        float[] x = randoms(random, m * k);
        float[] bias = randoms(random, n);
        float[] wValues = randoms(random, n * k);
        try (Arena arena = Arena.ofShared()) {
            for (DType type : DType.values()) {
                MemorySegment w = arena.allocate((long) n * k * type.byteSize());
                Dtypes.narrow(wValues, 0, n * k, type, w, 0);
                // The reference uses the values the stored weights really hold after rounding.
                float[] stored = new float[n * k];
                Dtypes.widen(w, type, 0, stored, 0, n * k);
                for (float[] b : new float[][] {null, bias}) {
                    float[] out = new float[m * n];
                    CpuGemm.linear(x, 0, m, k, w, type, n, b, out, 0);
                    double[] ref = reference(m, n, k, x, 0, k, stored, 0, k, 1, b);
                    assertClose(out, 0, n, m, n, ref, type + (b == null ? " no bias" : " bias"));
                }
            }
        }
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void stridedLinearLeavesTheRestOfTheOutputAlone(int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(1000L + 31L * m + 7L * k + n);
        int ldx = k + 5, ldo = n + 3, xOff = 2, outOff = 7;
        float[] x = randoms(random, xOff + m * ldx);
        float[] bias = randoms(random, n);
        float[] wValues = randoms(random, n * k);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) n * k * 2);
            Dtypes.narrow(wValues, 0, n * k, DType.BF16, w, 0);
            float[] stored = new float[n * k];
            Dtypes.widen(w, DType.BF16, 0, stored, 0, n * k);
            float[] out = new float[outOff + m * ldo + 4];
            Arrays.fill(out, 42f);
            CpuGemm.linear(x, xOff, ldx, m, k, w, DType.BF16, n, bias, out, outOff, ldo);
            double[] ref = reference(m, n, k, x, xOff, ldx, stored, 0, k, 1, bias);
            assertClose(out, outOff, ldo, m, n, ref, "strided bf16");
            assertUntouched(out, outOff, ldo, m, n);
        }
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void matmulTransposedMatchesReference(int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(2000L + 31L * m + 7L * k + n);
        // A and B are one "head" inside wider matrices, as Q and K are inside [tokens, heads*dim].
        int lda = k + 11, ldb = k + 3, ldc = n + 2, aOff = 5, bOff = 1, cOff = 3;
        float[] a = randoms(random, aOff + m * lda);
        float[] b = randoms(random, bOff + n * ldb);
        float[] c = new float[cOff + m * ldc + 2];
        Arrays.fill(c, 42f);
        CpuGemm.matmulTransposed(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        double[] ref = reference(m, n, k, a, aOff, lda, b, bOff, ldb, 1, null);
        assertClose(c, cOff, ldc, m, n, ref, "A·Bᵀ");
        assertUntouched(c, cOff, ldc, m, n);
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void matmulMatchesReference(int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(3000L + 31L * m + 7L * k + n);
        int lda = k + 2, ldb = n + 9, ldc = n + 1, aOff = 4, bOff = 6, cOff = 1;
        float[] a = randoms(random, aOff + m * lda);
        float[] b = randoms(random, bOff + k * ldb);
        float[] c = new float[cOff + m * ldc + 3];
        Arrays.fill(c, 42f);
        CpuGemm.matmul(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        // B[p, j] sits at p*ldb + j: a transposed-reference walk with unit column stride.
        double[] ref = reference(m, n, k, a, aOff, lda, b, bOff, 1, ldb, null);
        assertClose(c, cOff, ldc, m, n, ref, "A·B");
        assertUntouched(c, cOff, ldc, m, n);
    }

    /**
     * A row's result is the same bits whatever rows share its product: alone (m = 1), in the
     * guidance pair (m = 2), in a small batch, and in a product big enough to split across threads.
     * The worker batches jobs, so a seed must not give a different image when another job runs with it.
     */
    @ParameterizedTest(name = "k={0} n={1}")
    @org.junit.jupiter.params.provider.CsvSource({"24, 31", "1152, 100", "700, 2000"})
    void aRowsResultDoesNotDependOnTheOtherRowsOfTheProduct(int k, int n) {
        SplittableRandom random = new SplittableRandom(17L * k + n);
        float[] bias = randoms(random, n);
        float[] wValues = randoms(random, n * k);
        int rows = 517;
        float[] x = randoms(random, rows * k);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) n * k * 2);
            Dtypes.narrow(wValues, 0, n * k, DType.F16, w, 0);
            float[] all = new float[rows * n];
            CpuGemm.linear(x, 0, rows, k, w, DType.F16, n, bias, all, 0);
            for (int m : new int[] {1, 2, 3, 4, 5, 9}) {
                // The product of rows 8 .. 8+m-1 alone must reproduce those rows of the big product.
                float[] part = new float[m * n];
                CpuGemm.linear(x, 8 * k, m, k, w, DType.F16, n, bias, part, 0);
                for (int i = 0; i < m; i++) {
                    assertThat(Arrays.copyOfRange(part, i * n, (i + 1) * n))
                            .as("row %d of a %d-row product", 8 + i, m)
                            .containsExactly(Arrays.copyOfRange(all, (8 + i) * n, (9 + i) * n));
                }
            }
        }
    }

    @Test
    void largeProductSplitAcrossThreadsMatchesReference() {
        // Big enough to take the parallel path, with several depth blocks and ragged edges.
        int m = 517, k = 700, n = 301;
        SplittableRandom random = new SplittableRandom(4);
        float[] x = randoms(random, m * k);
        float[] bias = randoms(random, n);
        float[] wValues = randoms(random, n * k);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) n * k * 4);
            Dtypes.narrow(wValues, 0, n * k, DType.F32, w, 0);
            float[] out = new float[m * n];
            CpuGemm.linear(x, 0, m, k, w, DType.F32, n, bias, out, 0);
            assertClose(out, 0, n, m, n, reference(m, n, k, x, 0, k, wValues, 0, k, 1, bias), "large");
        }
    }

    @Test
    void deepProductPacksSeveralColumnBlocksPerTask() {
        // 4608 deep: the packed-B budget holds about 112 columns, fewer than a task's share of 1000.
        int m = 9, k = 4608, n = 1000;
        SplittableRandom random = new SplittableRandom(5);
        float[] x = randoms(random, m * k);
        float[] bias = randoms(random, n);
        float[] wValues = randoms(random, n * k);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) n * k * 2);
            Dtypes.narrow(wValues, 0, n * k, DType.BF16, w, 0);
            float[] stored = new float[n * k];
            Dtypes.widen(w, DType.BF16, 0, stored, 0, n * k);
            float[] out = new float[m * n];
            CpuGemm.linear(x, 0, m, k, w, DType.BF16, n, bias, out, 0);
            assertClose(out, 0, n, m, n, reference(m, n, k, x, 0, k, stored, 0, k, 1, bias), "deep");
        }
    }

    @Test
    void narrowProductSplitsRowsAcrossThreads() {
        // Two column panels only, so the parallel path must split rows too (P·V with a small head).
        int m = 403, k = 517, n = 20;
        SplittableRandom random = new SplittableRandom(6);
        float[] a = randoms(random, m * k);
        float[] b = randoms(random, k * n);
        float[] c = new float[m * n];
        CpuGemm.matmul(m, n, k, a, 0, k, b, 0, n, c, 0, n);
        assertClose(c, 0, n, m, n, reference(m, n, k, a, 0, k, b, 0, 1, n, null), "narrow");
    }

    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        // Each caller (and each pool thread) packs into its own scratch; nothing may leak between calls.
        int m = 130, k = 300, n = 200;
        SplittableRandom random = new SplittableRandom(7);
        float[] b = randoms(random, n * k);
        float[][] as = new float[4][];
        for (int t = 0; t < as.length; t++) {
            as[t] = randoms(random, m * k);
        }
        float[][] outs = new float[as.length][m * n];
        List<Thread> callers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < as.length; t++) {
            int id = t;
            Thread caller = new Thread(() -> {
                for (int rep = 0; rep < 5; rep++) {
                    CpuGemm.matmulTransposed(m, n, k, as[id], 0, k, b, 0, k, outs[id], 0, n);
                }
            });
            caller.setUncaughtExceptionHandler((th, e) -> failures.add(e));
            callers.add(caller);
            caller.start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        assertThat(failures).isEmpty();
        for (int t = 0; t < as.length; t++) {
            assertClose(outs[t], 0, n, m, n, reference(m, n, k, as[t], 0, k, b, 0, k, 1, null), "caller " + t);
        }
    }

    @Test
    void zeroDepthGivesTheBias() {
        float[] bias = {1f, 2f, 3f};
        float[] out = new float[6];
        CpuGemm.linear(new float[0], 0, 2, 0, MemorySegment.NULL, DType.F32, 3, bias, out, 0);
        assertThat(out).containsExactly(1f, 2f, 3f, 1f, 2f, 3f);
    }

    @Test
    void rejectsOperandsThatAreTooSmall() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate(4L * 8 * 4);
            assertThatThrownBy(() -> CpuGemm.linear(new float[16], 0, 2, 8, w, DType.F32, 5, null, new float[10], 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight segment");
            assertThatThrownBy(() -> CpuGemm.linear(new float[15], 0, 2, 8, w, DType.BF16, 4, null, new float[8], 0))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("x:");
        }
    }

    @Test
    void parallelForRunsEveryTaskOnceAndRethrowsFailures() {
        AtomicIntegerArray seen = new AtomicIntegerArray(1000);
        CpuThreads.parallelFor(1000, i -> {
            // Nested calls must neither deadlock nor lose tasks.
            CpuThreads.parallelFor(3, j -> seen.incrementAndGet(i));
        });
        for (int i = 0; i < seen.length(); i++) {
            assertThat(seen.get(i)).as("task %d", i).isEqualTo(3);
        }
        assertThatThrownBy(() -> CpuThreads.parallelFor(10, i -> {
            if (i == 7) {
                throw new IllegalStateException("task 7");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("task 7");
    }

    /**
     * The product in double: B element (j, p) at {@code b[bOff + j*bRow + p*bCol]}, so one walk
     * serves both B [n, k] (bRow = ldb, bCol = 1) and B [k, n] (bRow = 1, bCol = ldb).
     */
    private static double[] reference(int m, int n, int k, float[] a, int aOff, int lda,
                                      float[] b, int bOff, int bRow, int bCol, float[] bias) {
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = bias == null ? 0 : bias[j];
                for (int p = 0; p < k; p++) {
                    sum += (double) a[aOff + i * lda + p] * b[bOff + j * bRow + p * bCol];
                }
                ref[i * n + j] = sum;
            }
        }
        return ref;
    }

    private static void assertClose(float[] out, int off, int ld, int m, int n, double[] ref, String what) {
        double err = 0, norm = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double d = out[off + i * ld + j] - ref[i * n + j];
                err += d * d;
                norm += ref[i * n + j] * ref[i * n + j];
            }
        }
        assertThat(Math.sqrt(err / norm)).as("relative error, %s", what).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Everything outside the m×n window (stride ld, from off) still holds the 42 it was filled with. */
    private static void assertUntouched(float[] out, int off, int ld, int m, int n) {
        for (int idx = 0; idx < out.length; idx++) {
            int rel = idx - off;
            boolean inside = rel >= 0 && rel / ld < m && rel % ld < n;
            if (!inside) {
                assertThat(out[idx]).as("element %d outside the output window", idx).isEqualTo(42f);
            }
        }
    }

    private static float[] randoms(SplittableRandom random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
