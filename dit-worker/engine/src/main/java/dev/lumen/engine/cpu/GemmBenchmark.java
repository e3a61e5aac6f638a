package dev.lumen.engine.cpu;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.Dtypes;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the CPU backend's matrix products against the machine's fp32 FMA peak.
 *
 * <p>First the peak: every thread runs a loop of independent FMA chains on registers, the most the
 * cores can compute with the Vector API. Then {@link CpuGemm#linear} on the PixArt transformer's
 * shapes (hidden 1152, MLP 4608) for several token counts, with BF16 and F32 weights; the table
 * gives the best time of several runs, its GFLOP/s and the share of the measured peak.
 *
 * <p>Usage: {@code GemmBenchmark [M ...]} (default 256 1024 4096). Run with
 * {@code --add-modules jdk.incubator.vector}.
 */
public final class GemmBenchmark {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators per thread: more than FMA latency × FMA pipes (4 × 2 on Zen 3). */
    private static final int CHAINS = 12;
    /** Shapes as {k, n}: attention/projection, MLP up, MLP down. */
    private static final int[][] SHAPES = {{1152, 1152}, {1152, 4608}, {4608, 1152}};
    private static final DType[] TYPES = {DType.BF16, DType.F32};
    /** Keeps results alive so the JIT cannot drop the peak loop. */
    private static volatile float sink;

    private GemmBenchmark() {
    }

    public static void main(String[] args) {
        int[] ms = args.length == 0 ? new int[] {256, 1024, 4096}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        run(ms, System.out);
    }

    /** Runs the whole benchmark, printing to {@code out}. */
    public static void run(int[] ms, PrintStream out) {
        int threads = CpuThreads.count();
        out.printf(Locale.ROOT, "CPU GEMM benchmark: %d threads, %s (%d fp32 lanes)%n",
                threads, SPECIES, SPECIES.length());
        double single = peakGflops(1);
        double peakBefore = peakGflops(threads);
        out.printf(Locale.ROOT, "fp32 FMA peak: %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d threads%n%n",
                single, peakBefore, threads);
        out.printf(Locale.ROOT, "%-6s %-12s %-5s %10s %10s %8s%n", "M", "K -> N", "W", "ms", "GFLOP/s", "% peak");
        SplittableRandom random = new SplittableRandom(1);
        try (Arena arena = Arena.ofShared()) {
            for (int[] shape : SHAPES) {
                int k = shape[0], n = shape[1];
                float[] wValues = randoms(random, n * k);
                float[] bias = randoms(random, n);
                for (DType type : TYPES) {
                    MemorySegment w = arena.allocate((long) n * k * type.byteSize(), 64);
                    Dtypes.narrow(wValues, 0, n * k, type, w, 0);
                    for (int m : ms) {
                        float[] x = randoms(random, m * k);
                        float[] y = new float[m * n];
                        double flops = 2.0 * m * n * k;
                        double millis = bestMillis(() -> CpuGemm.linear(x, 0, m, k, w, type, n, bias, y, 0), flops);
                        double gflops = flops / millis / 1e6;
                        out.printf(Locale.ROOT, "%-6d %-12s %-5s %10.2f %10.1f %7.1f%%%n",
                                m, k + " -> " + n, type, millis, gflops, 100 * gflops / peakBefore);
                    }
                }
            }
        }
        attention(out, peakBefore, random);
        // Other processes taking a core while the peak was measured make every percentage wrong;
        // measuring again at the end shows it.
        double peakAfter = peakGflops(threads);
        out.printf(Locale.ROOT, "%nfp32 FMA peak measured again: %.1f GFLOP/s%s%n", peakAfter,
                Math.abs(peakAfter - peakBefore) > 0.1 * Math.max(peakAfter, peakBefore)
                        ? " (differs by more than 10%: the machine was busy, re-run when it is quiet)" : "");
    }

    /**
     * One attention head's products on float[] operands addressed inside [tokens, heads·dim]
     * matrices (PixArt: 16 heads of 72): scores Q·Kᵀ and the weighted sum P·V.
     */
    private static void attention(PrintStream out, double peak, SplittableRandom random) {
        int tokens = 1024, heads = 16, dim = 72, width = heads * dim;
        float[] q = randoms(random, tokens * width);
        float[] kMat = randoms(random, tokens * width);
        float[] v = randoms(random, tokens * width);
        float[] scores = new float[tokens * tokens];
        float[] o = new float[tokens * width];
        double flops = 2.0 * tokens * tokens * dim;
        int head = 3 * dim;
        double qk = bestMillis(() -> CpuGemm.matmulTransposed(tokens, tokens, dim, q, head, width,
                kMat, head, width, scores, 0, tokens), flops);
        double pv = bestMillis(() -> CpuGemm.matmul(tokens, dim, tokens, scores, 0, tokens,
                v, head, width, o, head, width), flops);
        out.printf(Locale.ROOT, "%-6d %-18s %10.2f %10.1f %7.1f%%%n", tokens, "Q·Kᵀ one head (72)",
                qk, flops / qk / 1e6, 100 * flops / qk / 1e6 / peak);
        out.printf(Locale.ROOT, "%-6d %-18s %10.2f %10.1f %7.1f%%%n", tokens, "P·V one head (72)",
                pv, flops / pv / 1e6, 100 * flops / pv / 1e6 / peak);
    }

    /** The best wall time of several runs after warming up, in milliseconds; about a second per case. */
    private static double bestMillis(Runnable op, double flops) {
        long warmUntil = System.nanoTime() + 300_000_000L;
        int warm = 0;
        while (warm < 3 || System.nanoTime() < warmUntil) {
            op.run();
            warm++;
        }
        double best = Double.MAX_VALUE;
        long stopAt = System.nanoTime() + 1_000_000_000L;
        for (int rep = 0; rep < 5 || (System.nanoTime() < stopAt && rep < 200); rep++) {
            long t0 = System.nanoTime();
            op.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }

    /**
     * The fp32 FMA throughput of {@code threads} threads at once: each runs CHAINS independent FMA
     * chains entirely in registers, so nothing but the FMA units limits it. Best of several rounds.
     */
    /** The machine's fp32 FMA peak with {@code threads} threads, measured now (GFLOP/s). */
    public static double peakGflops(int threads) {
        int iterations = 1_000_000;
        // Several tasks per thread, claimed dynamically: a helper that starts late costs little.
        int tasks = 4 * threads;
        double flops = 2.0 * SPECIES.length() * CHAINS * iterations * tasks;
        float[] seed = {1.0000001f, 0.9999999f};
        double best = 0;
        for (int round = 0; round < 8; round++) {
            long t0 = System.nanoTime();
            if (threads == 1) {
                for (int i = 0; i < tasks; i++) {
                    sink += fmaChains(seed, iterations);
                }
            } else {
                CpuThreads.parallelFor(tasks, i -> sink += fmaChains(seed, iterations));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (round >= 2) {
                best = Math.max(best, flops / seconds / 1e9);
            }
        }
        return best;
    }

    private static float fmaChains(float[] seed, int iterations) {
        FloatVector a = FloatVector.broadcast(SPECIES, seed[0]);
        FloatVector b = FloatVector.broadcast(SPECIES, seed[1]);
        FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b;
        FloatVector c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        // acc = a·b + acc, the accumulating form the GEMM kernel uses (vfmadd231ps); the form with
        // the chain in the multiplicand measured about 20% slower under C2.
        for (int i = 0; i < iterations; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
            c8 = a.fma(b, c8);
            c9 = a.fma(b, c9);
            c10 = a.fma(b, c10);
            c11 = a.fma(b, c11);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5)
                .add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }

    private static float[] randoms(SplittableRandom random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
