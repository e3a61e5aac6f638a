package dev.lumen.engine.vulkan;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures {@link VulkanOps#linear} with fp16 weights on the PixArt transformer's shapes (hidden
 * 1152, MLP 4608) for several token counts, once per GEMM kernel: gemm.comp (cooperative matrices
 * off) and, where the device can run it, gemm_coopmat.comp (on). Times are GPU timestamps around
 * each dispatch (the mean of back-to-back products in one submission filling about half a second,
 * after warming up);
 * the table gives ms per product, TFLOP/s (2·M·N·K) and, when the card's fp16 tensor peak is given,
 * the share of it. A benchmark, not a test: it checks nothing about the results' values
 * (CoopMatGemmTest does).
 *
 * <p>Usage: {@code VulkanGemmBenchmark [--peak-tflops P] [M ...]} (default 256 1024 4096), on the
 * device of {@value DeviceSelector#PROPERTY}; also {@code ./lumen bench gemm --backend vulkan}.
 */
public final class VulkanGemmBenchmark {
    /** Shapes as {k, n}: attention/projection, MLP up, MLP down. */
    private static final int[][] SHAPES = {{1152, 1152}, {1152, 4608}, {4608, 1152}};
    /** GPU time aimed at per case, so that timestamp granularity and launch gaps do not matter. */
    private static final double TARGET_MILLIS_PER_CASE = 500;
    /** Most products per case (a fast GPU reaches the target time well before). */
    private static final int MAX_REPS = 200;

    private VulkanGemmBenchmark() {
    }

    public static void main(String[] args) {
        double peak = 0;
        List<Integer> ms = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--peak-tflops") && i + 1 < args.length) {
                peak = Double.parseDouble(args[++i]);
            } else {
                ms.add(Integer.parseInt(args[i]));
            }
        }
        int[] rows = ms.isEmpty() ? new int[] {256, 1024, 4096} : ms.stream().mapToInt(Integer::intValue).toArray();
        try (VulkanOps vk = VulkanOps.open()) {
            run(vk, rows, peak, System.out);
        }
    }

    /**
     * Runs the benchmark on {@code vk}, printing to {@code out}.
     *
     * @param ms         token counts (rows of the activation)
     * @param peakTflops the card's dense fp16 tensor peak in TFLOP/s (e.g. 989 for an H100 SXM), or
     *                   0 to leave out the share-of-peak column
     * @throws UnsupportedOperationException if the device cannot write timestamps on its compute queue
     */
    public static void run(VulkanOps vk, int[] ms, double peakTflops, PrintStream out) {
        DeviceCapabilities caps = vk.capabilities();
        if (!caps.timestampsSupported()) {
            throw new UnsupportedOperationException("device '" + caps.name()
                    + "' cannot write timestamps on its compute queue; the GEMM benchmark times kernels with them");
        }
        CoopMatMode before = vk.coopMatMode();
        List<CoopMatMode> modes = new ArrayList<>(List.of(CoopMatMode.OFF));
        var unsupported = vk.coopMatUnsupportedReason();
        if (unsupported.isEmpty()) {
            modes.add(CoopMatMode.ON);
        }
        out.printf(Locale.ROOT, "Vulkan GEMM benchmark on %s (driver %s), fp16 weights, fp32 activations%n",
                caps.name(), caps.driverVersionString());
        out.println("cooperative matrix: " + unsupported.map(r -> "not run: " + r)
                .orElse("gemm_coopmat.comp with " + caps.cooperativeMatrixShapes()));
        out.println(peakTflops > 0 ? String.format(Locale.ROOT, "fp16 tensor peak given: %.0f TFLOP/s%n", peakTflops)
                : "no fp16 tensor peak given (--peak-tflops): no % column\n");
        out.printf(Locale.ROOT, "%-6s %-12s %-13s %10s %10s %8s%n", "M", "K -> N", "kernel", "ms", "TFLOP/s", "% peak");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("lumen-gemm-bench");
            SplittableRandom random = new SplittableRandom(1);
            for (int[] shape : SHAPES) {
                int k = shape[0];
                int n = shape[1];
                Path file = dir.resolve("w-" + k + "x" + n + ".safetensors");
                new SafetensorsWriter().add("w", DType.F16, randoms(random, n * k, 0.02), n, k)
                        .add("b", DType.F16, randoms(random, n, 0.1), n).write(file);
                try (TensorSource source = TensorSource.open(file)) {
                    Tensor w = vk.weight(source, "w");
                    Tensor b = vk.weight(source, "b");
                    for (int m : ms) {
                        Tensor x = vk.fromHost(randoms(random, m * k, 1.0), m, k);
                        double flops = 2.0 * m * n * k;
                        for (CoopMatMode mode : modes) {
                            vk.setCoopMatMode(mode);
                            Timing t = time(vk, x, w, b);
                            double tflops = flops / t.millis() / 1e9;
                            out.printf(Locale.ROOT, "%-6d %-12s %-13s %10.3f %10.3f %8s%n", m, k + " -> " + n,
                                    t.kernel(), t.millis(), tflops,
                                    peakTflops > 0 ? String.format(Locale.ROOT, "%.1f%%", 100 * tflops / peakTflops) : "-");
                        }
                        x.close();
                    }
                    w.close();
                    b.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark's weight file", e);
        } finally {
            vk.setCoopMatMode(before);
            vk.setProfiling(false);
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private record Timing(String kernel, double millis) {
    }

    /** Mean GPU time of one product: warm-up, then as many back-to-back products as fill ~0.5 s. */
    private static Timing time(VulkanOps vk, Tensor x, Tensor w, Tensor b) {
        vk.setProfiling(false);
        for (int i = 0; i < 3; i++) {
            try (Ops.Scope scope = vk.scope()) {
                vk.linear(x, w, b);
            }
        }
        vk.flush();
        Timing one = timed(vk, x, w, b, 1);
        int reps = (int) Math.max(5, Math.min(MAX_REPS, TARGET_MILLIS_PER_CASE / one.millis()));
        return timed(vk, x, w, b, reps);
    }

    private static Timing timed(VulkanOps vk, Tensor x, Tensor w, Tensor b, int reps) {
        vk.setProfiling(true);
        try {
            try (Ops.Scope scope = vk.scope()) {
                for (int i = 0; i < reps; i++) {
                    vk.linear(x, w, b);
                }
            }
            List<VulkanOps.KernelProfile> profile = vk.takeProfile();
            if (profile.size() != 1) {
                throw new IllegalStateException("expected one GEMM kernel per product, the profile shows " + profile);
            }
            VulkanOps.KernelProfile p = profile.getFirst();
            return new Timing(p.kernel(), p.millis() / p.dispatches());
        } finally {
            vk.setProfiling(false);
        }
    }

    private static float[] randoms(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover temp file only costs disk space; the benchmark's numbers are what matter.
        }
    }
}
