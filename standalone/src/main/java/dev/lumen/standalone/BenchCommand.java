package dev.lumen.standalone;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.ops.FlopCounter;
import dev.lumen.engine.pipeline.GenerationListener;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.tools.RandomCheckpoint;
import dev.lumen.engine.vulkan.VulkanOps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen bench}: per-stage time and achieved GFLOP/s of a whole generation on full-size
 * PixArt-XL-2 shapes (a random checkpoint in the published layout, made on first use), plus the
 * process's peak resident memory. {@code ./lumen bench gemm} measures the CPU matrix kernels
 * against the machine's fp32 peak; {@code ./lumen bench regional} the cost of a layout;
 * {@code ./lumen bench density} quality and cost of token-density plans.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Print engine benchmark tables (stages of a full-size PixArt generation; 'bench gemm' for the CPU kernels, 'bench regional' for the cost of a layout, 'bench density' for token density).",
        subcommands = {BenchCommand.Gemm.class, BenchRegionalCommand.class, DensityBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder (default: a random PixArt-XL-2-1024-MS in bf16 in the cache, made on first use).")
    Path model;

    @Option(names = "--sizes", split = ",", defaultValue = "256,512", description = "Square image sizes in pixels (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--steps", defaultValue = "2", description = "Denoising steps per size (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "4.5", description = "Guidance scale; > 1 runs the CFG batch of 2 (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, vulkan or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--text-backend", defaultValue = "same", description = "Backend of the T5 encoder: same, cpu or vulkan "
            + "(default: ${DEFAULT-VALUE}). 'cpu' keeps T5's weights memory-mapped and gives the device only the transformer and VAE.")
    String textBackend;

    @Option(names = "--batch", split = ",", defaultValue = "1", description = "Prompts per generation (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Weight dtype of the default random model: bf16, fp16 or fp32 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--keep-text-encoder", description = "Keep T5 mapped between uses (by default it is unmapped after "
            + "encoding, so its pages leave resident memory while the transformer and VAE run).")
    boolean keepTextEncoder;

    @Option(names = "--profile", description = "Vulkan only: per-kernel GPU times from timestamp queries.")
    boolean profile;

    private record Row(String stage, double ms, long flops) {
    }

    @Override
    public Integer call() throws Exception {
        Path folder = model != null ? model : defaultModel(MakeRandomModelCommand.parseDtype(dtype));
        long loadStart = System.nanoTime();
        ModelFolder modelFolder = ModelFolder.open(folder);
        try (FlopCounter ops = new FlopCounter(Backends.open(backend));
             FlopCounter textOps = textBackend.equals("same") ? null : new FlopCounter(Backends.open(textBackend));
             PixArtPipeline pipeline = PixArtPipeline.load(modelFolder, ops, textOps == null ? ops : textOps,
                     dev.lumen.engine.sampling.SchedulerConfig.load(modelFolder.scheduler().resolve("scheduler_config.json")))) {
            FlopCounter text = textOps == null ? ops : textOps;
            pipeline.setTextEncoderResident(keepTextEncoder);
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            VulkanOps vulkan = ops.inner() instanceof VulkanOps v ? v : null;
            String device = vulkan != null ? vulkan.capabilities().name() : Runtime.getRuntime().availableProcessors() + " CPU threads";
            System.out.printf(Locale.ROOT, "model %s (loaded in %.0f ms)%nbackend %s (%s), T5 on %s, %d steps, guidance %.1f%n%n",
                    folder, loadMs, ops.name(), device, text.name(), steps, guidance);
            if (vulkan != null && profile) {
                vulkan.setProfiling(true);
            }
            for (int batch : batches) {
            for (int size : sizes) {
                List<Row> rows = new ArrayList<>();
                ops.takeFlops();
                text.takeFlops();
                GenerationListener listener = new GenerationListener() {
                    long last = System.nanoTime();

                    @Override
                    public void onTextEncoded(double tokenizeMs, double textEncoderMs) {
                        rows.add(new Row("tokenize", tokenizeMs, 0));
                        rows.add(new Row("T5 encoder", textEncoderMs, text.takeFlops()));
                        last = System.nanoTime();
                    }

                    @Override
                    public void afterStep(int step, int total, int timestep, float[] latents) {
                        long now = System.nanoTime();
                        rows.add(new Row("step " + step + " (t=" + timestep + ")", (now - last) / 1e6, ops.takeFlops()));
                        last = now;
                    }

                    @Override
                    public void onDecoded(double vaeMs) {
                        rows.add(new Row("VAE decode", vaeMs, ops.takeFlops()));
                    }
                };
                if (vulkan != null && profile) {
                    vulkan.takeProfile();
                }
                pipeline.generate(new GenerationRequest(java.util.Collections.nCopies(batch,
                        "a red fox sitting on a mossy rock at sunrise"), "", steps, guidance, size, size, 0,
                        PipelineInputs.NONE), listener, () -> false);
                print(size, batch, rows);
                if (vulkan != null && profile) {
                    printProfile(vulkan.takeProfile());
                }
            }
            }
        }
        if (backend.equals("cpu")) {
            double peak = dev.lumen.engine.cpu.GemmBenchmark.peakGflops(dev.lumen.engine.cpu.CpuThreads.count());
            System.out.printf(Locale.ROOT, "fp32 FMA peak measured now: %.1f GFLOP/s (%d threads)%n", peak,
                    dev.lumen.engine.cpu.CpuThreads.count());
        }
        System.out.printf(Locale.ROOT, "peak RSS: %.2f GB%n", peakRssBytes() / 1e9);
        return 0;
    }

    private static void printProfile(List<VulkanOps.KernelProfile> profile) {
        System.out.printf(Locale.ROOT, "| %-22s | %10s | %10s |%n", "kernel", "dispatches", "GPU ms");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%n", "-".repeat(24), "-".repeat(12), "-".repeat(12));
        profile.stream().sorted(java.util.Comparator.comparingDouble(VulkanOps.KernelProfile::millis).reversed())
                .forEach(k -> System.out.printf(Locale.ROOT, "| %-22s | %10d | %10.2f |%n", k.kernel(), k.dispatches(),
                        k.millis()));
        System.out.println();
    }

    private static void print(int size, int batch, List<Row> rows) {
        System.out.printf(Locale.ROOT, "%d×%d px, batch %d%n", size, size, batch);
        System.out.printf(Locale.ROOT, "| %-22s | %10s | %10s | %9s |%n", "stage", "ms", "GFLOP", "GFLOP/s");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%n", "-".repeat(24), "-".repeat(12), "-".repeat(12), "-".repeat(11));
        double totalMs = 0;
        long totalFlops = 0;
        for (Row r : rows) {
            totalMs += r.ms();
            totalFlops += r.flops();
            System.out.printf(Locale.ROOT, "| %-22s | %10.1f | %10.1f | %9s |%n", r.stage(), r.ms(), r.flops() / 1e9,
                    r.flops() == 0 ? "" : String.format(Locale.ROOT, "%.1f", r.flops() / (r.ms() * 1e6)));
        }
        System.out.printf(Locale.ROOT, "| %-22s | %10.1f | %10.1f | %9.1f |%n%n", "total", totalMs, totalFlops / 1e9,
                totalFlops / (totalMs * 1e6));
    }

    /** VmHWM of this process (Linux); 0 where /proc is not available. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static Path defaultModel(DType dtype) throws java.io.IOException {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = base.resolve("lumen/models/random-PixArt-XL-2-1024-MS-" + dtype.name().toLowerCase(Locale.ROOT));
        if (!Files.exists(dir.resolve("model_index.json"))) {
            System.err.println("making a random full-size PixArt-XL-2-1024-MS checkpoint (" + dtype + ") in " + dir
                    + " (once; or pass --model)");
            new RandomCheckpoint(RandomCheckpoint.Preset.PIXART_XL_2_1024_MS, dtype, System.err::println).write(dir);
        }
        return dir;
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "Matrix kernels on the transformer's shapes: on the CPU against the machine's measured fp32 peak; "
                    + "with --backend vulkan fp16-weight GEMMs per kernel (cooperative matrices off and on, where the device has them).")
    static final class Gemm implements Callable<Integer> {
        @Option(names = "--backend", defaultValue = "cpu", description = "cpu or vulkan (default: ${DEFAULT-VALUE}).")
        String backend;

        @Option(names = "--m", split = ",", defaultValue = "256,1024,4096",
                description = "Token counts, the rows of the products (default: ${DEFAULT-VALUE}).")
        List<Integer> ms;

        @Option(names = "--peak-tflops", defaultValue = "0", description = "Vulkan: the card's dense fp16 tensor peak in "
                + "TFLOP/s (H100 SXM 989, H100 PCIe 756) for a share-of-peak column; 0 leaves it out (default: ${DEFAULT-VALUE}).")
        double peakTflops;

        @Override
        public Integer call() {
            int[] rows = ms.stream().mapToInt(Integer::intValue).toArray();
            switch (backend) {
                case "cpu" -> dev.lumen.engine.cpu.GemmBenchmark.run(rows, System.out);
                case "vulkan" -> {
                    try (VulkanOps vk = VulkanOps.open()) {
                        dev.lumen.engine.vulkan.VulkanGemmBenchmark.run(vk, rows, peakTflops, System.out);
                    }
                }
                default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--backend is '" + backend + "'; expected cpu or vulkan");
            }
            return 0;
        }
    }
}
