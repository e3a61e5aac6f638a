package dev.lumen.standalone;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.LayoutJson;
import dev.lumen.engine.layout.RegionMap;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.layout.RegionalLayout.Box;
import dev.lumen.engine.layout.RegionalLayout.Region;
import dev.lumen.engine.model.pixart.CaptionContext;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.model.pixart.RegionalContext;
import dev.lumen.engine.ops.FlopCounter;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen bench regional}: the cost of regional attention (layout.md §3.6) as the time of one
 * transformer forward of a CFG batch (unconditional + conditional row) with the layout on the
 * conditional row, against the same forward without layout, and with regional cross-attention
 * only. Only the transformer is loaded; captions and latents are random (cost does not depend on
 * their values), region captions 8 tokens each. Besides wall time it reports the process's CPU
 * time per forward, the steadier measure of work on a shared machine (CPU backend, lavapipe).
 */
@Command(name = "regional", mixinStandardHelpOptions = true,
        description = "Time a transformer forward with regional attention (layout) against the plain one.")
final class BenchRegionalCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder (default: the random PixArt-XL-2-1024-MS of 'bench', made on first use).")
    Path model;

    @Option(names = "--transformer", defaultValue = "transformer", description = "Transformer sub-folder (default: ${DEFAULT-VALUE}).")
    String transformerSubdir;

    @Option(names = "--sizes", split = ",", defaultValue = "256", description = "Square image sizes in pixels (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, vulkan or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--layout", description = "Layout JSON file (default: four boxes of 16 %% of the image each, 36 %% background).")
    Path layoutFile;

    @Option(names = "--repeat", defaultValue = "3", description = "Timed forwards per variant after one warm-up; the median is shown (default: ${DEFAULT-VALUE}).")
    int repeat;

    private static final int CAPTION_TOKENS = 120;
    private static final int REAL_CAPTION_TOKENS = 20;
    private static final int REGION_CAPTION_TOKENS = 8;

    static RegionalLayout defaultLayout() {
        List<Region> regions = new ArrayList<>();
        double[][] boxes = {{0.05, 0.05, 0.45, 0.45}, {0.55, 0.05, 0.95, 0.45}, {0.05, 0.55, 0.45, 0.95},
                {0.55, 0.55, 0.95, 0.95}};
        String[] captions = {"a red ball", "a blue cube", "a yellow star", "a green cone"};
        for (int i = 0; i < boxes.length; i++) {
            regions.add(new Region(new Box(boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3]), captions[i]));
        }
        return new RegionalLayout("a red ball, a blue cube, a yellow star and a green cone on a white table",
                "a white table", regions);
    }

    @Override
    public Integer call() throws Exception {
        Path folder = model != null ? model : BenchCommand.defaultModel(DType.BF16);
        RegionalLayout layout = layoutFile != null ? LayoutJson.read(layoutFile) : defaultLayout();
        Path dir = folder.resolve(transformerSubdir);
        try (FlopCounter ops = new FlopCounter(Backends.open(backend));
             TensorSource weights = TensorSource.open(dir)) {
            PixArtConfig config = PixArtConfig.read(dir.resolve("config.json"));
            PixArtTransformer transformer = new PixArtTransformer(config, weights, ops);
            System.out.printf(Locale.ROOT, "transformer %s (%d blocks, width %d), %s backend, CFG batch 2 (layout on the "
                    + "conditional row), %d regions, median of %d rounds over the variants%n%n", dir, config.numLayers(), config.hiddenSize(), ops.name(),
                    layout.regions().size(), repeat);
            System.out.printf(Locale.ROOT, "| %6s | %6s | %-30s | %10s | %8s | %10s | %8s | %8s |%n", "size", "tokens",
                    "variant", "wall ms", "vs plain", "CPU ms", "vs plain", "GFLOP");
            System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(8), "-".repeat(8), "-".repeat(32),
                    "-".repeat(12), "-".repeat(10), "-".repeat(12), "-".repeat(10), "-".repeat(10));
            for (int size : sizes) {
                run(ops, transformer, config, layout, size);
            }
        }
        return 0;
    }

    private void run(FlopCounter ops, PixArtTransformer transformer, PixArtConfig config, RegionalLayout layout, int size) {
        int latent = size / 8;
        int grid = latent / config.patchSize();
        SplittableRandom random = new SplittableRandom(7);
        int c = config.captionChannels();
        float[] mask = new float[2 * CAPTION_TOKENS];
        for (int b = 0; b < 2; b++) {
            Arrays.fill(mask, b * CAPTION_TOKENS, b * CAPTION_TOKENS + REAL_CAPTION_TOKENS, 1f);
        }
        try (Ops.Scope job = ops.scope()) {
            CaptionContext caption = transformer.prepareCaption(ops.fromHost(gaussian(random, 2 * CAPTION_TOKENS * c),
                    2, CAPTION_TOKENS, c), mask);
            List<Tensor> regionEmbeds = new ArrayList<>();
            for (int r = 0; r <= layout.regions().size(); r++) {
                regionEmbeds.add(ops.fromHost(gaussian(random, REGION_CAPTION_TOKENS * c), REGION_CAPTION_TOKENS, c));
            }
            int[] ids = RegionMap.of(layout.boxes(), grid, grid).ids();
            float beta = (float) layout.control().beta();
            RegionalContext full = transformer.prepareRegions(regionEmbeds, ids, grid, grid, 1, 1, beta, beta);
            RegionalContext crossOnly = transformer.prepareRegions(regionEmbeds, ids, grid, grid, 1, 1, 1f, beta);
            float[] latents = gaussian(random, 2 * 4 * latent * latent);
            float[] res = {size, size, size, size};
            float[] aspect = {1f, 1f};
            String[] names = {"plain", "regional (self + cross)", "regional cross-attention only"};
            RegionalContext[] variants = {null, full, crossOnly};
            double[][] wallMs = new double[variants.length][repeat];
            double[][] cpuMs = new double[variants.length][repeat];
            long[] flops = new long[variants.length];
            // Round-robin over the variants, so drift in the machine's load hits them alike.
            for (int i = -1; i < repeat; i++) {
                for (int v = 0; v < variants.length; v++) {
                    ops.takeFlops();
                    long cpu0 = processCpuNanos();
                    long t0 = System.nanoTime();
                    try (Ops.Scope step = ops.scope()) {
                        var conditioning = transformer.condition(new float[] {999, 999}, res, aspect);
                        ops.toHost(transformer.forward(ops.fromHost(latents, 2, 4, latent, latent), caption, conditioning,
                                variants[v]));
                    }
                    if (i >= 0) {
                        wallMs[v][i] = (System.nanoTime() - t0) / 1e6;
                        cpuMs[v][i] = (processCpuNanos() - cpu0) / 1e6;
                        flops[v] = ops.takeFlops();
                    }
                }
            }
            double plainMs = median(wallMs[0]);
            double plainCpu = median(cpuMs[0]);
            for (int v = 0; v < variants.length; v++) {
                double ms = median(wallMs[v]);
                double cpu = median(cpuMs[v]);
                System.out.printf(Locale.ROOT, "| %6d | %6d | %-30s | %10.1f | %8s | %10.1f | %8s | %8.2f |%n", size, grid * grid,
                        names[v], ms, v == 0 ? "" : percent(ms, plainMs), cpu, v == 0 ? "" : percent(cpu, plainCpu),
                        flops[v] / 1e9);
            }
        }
    }

    private static String percent(double value, double base) {
        return String.format(Locale.ROOT, "%+.1f%%", 100 * (value / base - 1));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** CPU time of this whole process (all threads; lavapipe's too): the work done, whatever else runs on the machine. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
