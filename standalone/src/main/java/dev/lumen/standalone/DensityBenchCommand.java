package dev.lumen.standalone;

import dev.lumen.engine.density.DensityPlan;
import dev.lumen.engine.density.DensityPlanner;
import dev.lumen.engine.density.DensityPreset;
import dev.lumen.engine.density.TokenDensity;
import dev.lumen.engine.density.TransformerFlops;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.ops.FlopCounter;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.HostTensor;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.vulkan.VulkanOps;
import dev.lumen.eval.EvalPrompt;
import dev.lumen.eval.EvalSet;
import dev.lumen.eval.MeanInterval;
import dev.lumen.eval.ShapeScorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen bench density}: what token density costs in fidelity and what it buys in time
 * (research note token-density.md §4.5, docs/adr/0009). On a model folder, every preset, its mirror
 * plan and dense sampling with fewer steps run the same prompts with the same seeds (so the same
 * initial latents and per-step noise) as the dense reference; each row prints the transformer and
 * end-to-end FLOP fractions (FLOPs as the engine executed them), the measured speed-up on the
 * named backend, PSNR against dense (mean and 5th percentile), SSIM, the high-frequency retention
 * and prompt adherence. Then the analytic FLOP table of PixArt-XL-2 at 256, 512 and 1024 px.
 */
@Command(name = "density", mixinStandardHelpOptions = true,
        description = "Token-density presets against dense sampling: FLOPs, speed-up, PSNR, SSIM, detail, adherence.")
final class DensityBenchCommand implements Callable<Integer> {
    /** PixArt-XL-2-1024-MS: 28 blocks of 16 heads × 72, T5-XXL captions padded to 120 tokens. */
    static final PixArtConfig PIXART_XL_2 = new PixArtConfig(16, 72, 28, 2, 4, 8, 128, 4096, 1152, 1e-6f, 2, true);
    private static final int XL_CAPTION_TOKENS = 120;
    private static final int[] LCM4 = {999, 759, 499, 259};

    @Option(names = "--model", description = "Model folder (default: models/shapes-demo in the repository).")
    Path model;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, vulkan or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--sampler", description = "dpm-solver or lcm (default: the model's scheduler).")
    String sampler;

    @Option(names = "--steps", description = "Denoising steps of the dense reference and the plans (default: the sampler's, 4 for LCM).")
    Integer steps;

    @Option(names = "--guidance", description = "Guidance scale (default: the sampler's, 0 for LCM).")
    Double guidance;

    @Option(names = "--size", description = "Square image size in pixels (default: the model's native size).")
    Integer size;

    @Option(names = "--prompts", defaultValue = "8", description = "Prompts to run, from the model's eval/prompts.json "
            + "when it has one (default: ${DEFAULT-VALUE}).")
    int promptCount;

    @Option(names = "--seeds", defaultValue = "1", description = "Seeds per prompt: the prompt's own, then +1, +2, … (default: ${DEFAULT-VALUE}).")
    int seedsPerPrompt;

    @Option(names = "--presets", split = ",", defaultValue = "high,balanced,low,minimal",
            description = "Presets to measure; each brings its mirror plan (default: ${DEFAULT-VALUE}).")
    List<String> presets;

    @Option(names = "--fewer-steps", split = ",", description = "Dense baselines with fewer steps (default: steps − 1 and steps / 2).")
    List<Integer> fewerSteps;

    @Option(names = "--warmup", defaultValue = "all", description = "Untimed runs before measuring: all (each "
            + "configuration once, on the first prompt), dense (one dense run) or none (default: ${DEFAULT-VALUE}).")
    String warmup;

    /**
     * Adherence of one image to its eval prompt: 1 when the coloured-shapes scorer finds every object
     * the caption asks for (colour, shape, place; eval's {@code obj_ok}), else 0. Only samples from
     * the model's eval set have one; built-in captions are not scored.
     */
    private ShapeScorer scorer;

    /** One image to make: a caption, its seed and its eval prompt (null for built-in captions). */
    private record Sample(String caption, long seed, EvalPrompt prompt) {
    }

    /** A sample's caption encoded once (T5 runs once per prompt, whatever the plan), with what that cost. */
    private record Encoded(Sample sample, PipelineInputs inputs, double textMs, long textFlops) {
    }

    /** One configuration to measure: a label, its steps and token density, and the seed offset (0: same seeds). */
    private record Config(String label, int steps, TokenDensity density, long seedOffset) {
    }

    /** A measured configuration: every sample's image and where the time and FLOPs went. */
    private static final class Run {
        final Config config;
        final List<HostTensor> images = new ArrayList<>();
        final List<Double> adherence = new ArrayList<>();
        double transformerMs;
        double totalMs;
        long transformerFlops;
        long endToEndFlops;
        String plan;

        Run(Config config) {
            this.config = config;
        }
    }

    @Override
    public Integer call() throws IOException {
        Path folderPath = model != null ? model : defaultModel();
        ModelFolder folder = ModelFolder.open(folderPath);
        SamplerKind.Choice choice = SamplerKind.choose(folder, sampler, null);
        int denseSteps = steps != null ? steps : choice.kind().defaultSteps();
        double scale = guidance != null ? guidance : choice.kind().defaultGuidance();
        List<Integer> baselines = fewerSteps != null ? fewerSteps
                : new ArrayList<>(new LinkedHashSet<>(List.of(denseSteps - 1, denseSteps / 2)));
        List<Sample> samples = samples(folderPath);
        try (FlopCounter ops = new FlopCounter(Backends.open(backend));
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops, choice.config())) {
            int pixels = size != null ? size
                    : pipeline.transformer().config().sampleSize() * pipeline.vae().config().scaleFactor();
            String device = ops.inner() instanceof VulkanOps v ? v.capabilities().name()
                    : dev.lumen.engine.cpu.CpuThreads.count() + " CPU threads";
            System.out.printf(Locale.ROOT, "model %s, %d×%d px, %s %d steps, guidance %.1f, %d images (%d prompts × %d seeds)%n"
                            + "backend %s (%s)%n%n", folderPath, pixels, pixels, choice.kind().cliName(), denseSteps, scale,
                    samples.size(), samples.size() / seedsPerPrompt, seedsPerPrompt, ops.name(), device);

            List<Config> configs = new ArrayList<>();
            configs.add(new Config("dense", denseSteps, TokenDensity.FULL, 0));
            Set<DensityPreset> done = new LinkedHashSet<>();
            for (String name : presets) {
                DensityPreset preset = DensityPreset.byLabel(name.strip());
                for (DensityPreset p : List.of(preset, preset.mirror())) {
                    if (done.add(p)) {
                        configs.add(new Config(p.label() + (p.experimental() ? " (exp.)" : ""), denseSteps,
                                new TokenDensity.Preset(p), 0));
                    }
                }
            }
            for (int n : baselines) {
                if (n >= 1 && n < denseSteps) {
                    configs.add(new Config("dense " + n + " steps", n, TokenDensity.FULL, 0));
                }
            }
            configs.add(new Config("dense, other seed", denseSteps, TokenDensity.FULL, 1));

            List<Encoded> encoded = encode(pipeline, ops, samples, scale);
            // Warm-up (JIT, kernel compilation, buffer pools) outside every timed run.
            for (Config c : switch (warmup) {
                case "all" -> configs;
                case "dense" -> configs.subList(0, 1);
                case "none" -> List.<Config>of();
                default -> throw new IllegalArgumentException("--warmup must be all, dense or none, got " + warmup);
            }) {
                generate(pipeline, ops, new Run(c), encoded.getFirst(), scale, pixels);
            }
            List<Run> runs = configs.stream().map(Run::new).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
            // Samples outside, configurations inside: a machine whose load drifts slows every
            // configuration alike instead of the ones measured last.
            for (int i = 0; i < encoded.size(); i++) {
                System.err.printf(Locale.ROOT, "bench density: image %d of %d, %d configurations%n", i + 1, encoded.size(),
                        runs.size());
                for (Run r : runs) {
                    generate(pipeline, ops, r, encoded.get(i), scale, pixels);
                }
            }
            Run dense = runs.removeFirst();
            printTable(dense, runs);
            System.out.println();
            System.out.println("Plans on this model (blocks per step):");
            for (Run r : runs) {
                if (r.plan != null) {
                    System.out.println("  " + r.config.label() + ": " + r.plan);
                }
            }
            System.out.println();
        }
        printAnalytic(System.out, presets);
        return 0;
    }

    /** T5 once per sample (and for the empty negative prompt under guidance), timed and counted. */
    private static List<Encoded> encode(PixArtPipeline pipeline, FlopCounter ops, List<Sample> samples, double scale) {
        List<Encoded> out = new ArrayList<>();
        for (Sample s : samples) {
            ops.takeFlops();
            long t0 = System.nanoTime();
            java.util.Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
            PixArtPipeline.EncodedText text = pipeline.encodeText(List.of(s.caption()));
            inputs.put("prompt_embeds", text.embeds());
            inputs.put("prompt_attention_mask", new HostTensor(text.mask(), new int[] {1, text.mask().length}));
            if (scale > 1) {
                PixArtPipeline.EncodedText negative = pipeline.encodeText(List.of(""));
                inputs.put("negative_prompt_embeds", negative.embeds());
                inputs.put("negative_prompt_attention_mask",
                        new HostTensor(negative.mask(), new int[] {1, negative.mask().length}));
            }
            out.add(new Encoded(s, new PipelineInputs(inputs), (System.nanoTime() - t0) / 1e6, ops.takeFlops()));
        }
        return out;
    }

    /** One image of {@code run}'s configuration, added to its measurements. */
    private void generate(PixArtPipeline pipeline, FlopCounter ops, Run run, Encoded e, double scale, int pixels) {
        Config config = run.config;
        ops.takeFlops();
        GenerationResult result = pipeline.generate(new GenerationRequest(List.of(e.sample().caption()), "",
                config.steps(), scale, pixels, pixels, e.sample().seed() + config.seedOffset(), e.inputs(),
                config.density()));
        run.endToEndFlops += ops.takeFlops() + e.textFlops();
        run.transformerFlops += result.density().transformerFlops();
        run.transformerMs += Arrays.stream(result.timings().stepMs()).sum();
        run.totalMs += result.timings().totalMs() + e.textMs();
        HostTensor image = result.images().getFirst();
        run.images.add(image);
        if (scorer != null && e.sample().prompt() != null) {
            run.adherence.add(scorer.score(PngWriter.toImage(image), e.sample().prompt()).objOk() ? 1.0 : 0.0);
        }
        if (!result.density().plan().isDense()) {
            run.plan = String.join("; ", result.density().plan().describe());
        }
    }

    private static void printTable(Run dense, List<Run> runs) {
        System.out.printf(Locale.ROOT, "| %-24s | %5s | %8s | %8s | %9s | %8s | %9s | %7s | %7s | %6s | %6s | %-30s |%n",
                "plan", "steps", "FLOP tf", "FLOP e2e", "tf ms/img", "speed tf", "speed e2e", "PSNR", "PSNR p5", "SSIM",
                "HF", "adherence obj_ok % (Δ pt [95% CI])");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(26), "-".repeat(7),
                "-".repeat(10), "-".repeat(10), "-".repeat(11), "-".repeat(10), "-".repeat(11), "-".repeat(9),
                "-".repeat(9), "-".repeat(8), "-".repeat(8), "-".repeat(32));
        int n = dense.images.size();
        System.out.printf(Locale.ROOT, "| %-24s | %5d | %8.3f | %8.3f | %9.1f | %8.2f | %9.2f | %7s | %7s | %6s | %6s | %-30s |%n",
                dense.config.label(), dense.config.steps(), 1.0, 1.0, dense.transformerMs / n, 1.0, 1.0, "ref", "ref", "ref", "ref",
                adherence(dense, null));
        for (Run r : runs) {
            double[] psnr = new double[n];
            double ssim = 0;
            double hf = 0;
            for (int i = 0; i < n; i++) {
                psnr[i] = ImageMetrics.psnr(r.images.get(i), dense.images.get(i));
                ssim += ImageMetrics.ssim(r.images.get(i), dense.images.get(i));
                hf += ImageMetrics.highFrequencyRatio(r.images.get(i), dense.images.get(i));
            }
            System.out.printf(Locale.ROOT, "| %-24s | %5d | %8.3f | %8.3f | %9.1f | %8.2f | %9.2f | %7s | %7s | %6.4f | %6.3f | %-30s |%n",
                    r.config.label(), r.config.steps(), (double) r.transformerFlops / dense.transformerFlops,
                    (double) r.endToEndFlops / dense.endToEndFlops, r.transformerMs / n, dense.transformerMs / r.transformerMs,
                    dense.totalMs / r.totalMs, decibels(Arrays.stream(psnr).average().orElse(Double.NaN)),
                    decibels(percentile5(psnr)), ssim / n, hf / n, adherence(r, dense));
        }
        System.out.println();
        System.out.println("FLOP tf: transformer FLOPs (caption cache, conditioning, every forward) over dense; e2e adds T5 and "
                + "the VAE, as executed (T5 runs once per prompt and is added to every row). speed: dense time over the plan's "
                + "(tf: denoising steps; e2e: T5, steps and VAE). "
                + "PSNR/SSIM/HF against the dense image of the same prompt and seed (PSNR p5: 5th percentile over images; "
                + "HF: Laplacian energy over dense's). "
                + "(exp.): an experimental preset, one that missed its quality bar on the demo model (ADR 9), or its mirror.");
    }

    private static String decibels(double db) {
        return Double.isInfinite(db) ? "inf" : String.format(Locale.ROOT, "%.2f", db);
    }

    /** Nearest-rank 5th percentile (the worst image when there are fewer than 20). */
    private static double percentile5(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(0.05 * sorted.length) - 1)];
    }

    /**
     * obj_ok in percent, and against dense the paired change in points with its 95% bootstrap
     * interval (the same prompts and seeds, so the per-image differences are what varies).
     */
    private static String adherence(Run r, Run dense) {
        if (r.adherence.isEmpty()) {
            return "not scored";
        }
        double pct = 100 * r.adherence.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        if (dense == null || dense.adherence.size() != r.adherence.size()) {
            return String.format(Locale.ROOT, "%.1f", pct);
        }
        double[] change = new double[r.adherence.size()];
        for (int i = 0; i < change.length; i++) {
            change[i] = 100 * (r.adherence.get(i) - dense.adherence.get(i));
        }
        MeanInterval d = MeanInterval.of(change);
        return String.format(Locale.ROOT, "%.1f (%+.1f [%+.1f, %+.1f])", pct, d.mean(), d.lo(), d.hi());
    }

    /** The transformer-FLOP fraction of every plan on PixArt-XL-2 (LCM, no guidance), from the analytic model. */
    static void printAnalytic(java.io.PrintStream out, List<String> presetNames) {
        int[] sizes = {256, 512, 1024};
        out.println("Analytic transformer FLOPs of PixArt-XL-2 (28 blocks, D = 1152, 120 caption tokens), one image, "
                + "LCM t = 999, 759, 499, 259; fraction of dense 4 steps:");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "| %-24s |", "plan"));
        StringBuilder rule = new StringBuilder("|" + "-".repeat(26) + "|");
        for (int px : sizes) {
            header.append(String.format(Locale.ROOT, " %9s |", px + " px"));
            rule.append("-".repeat(11)).append('|');
        }
        out.println(header);
        out.println(rule);
        StringBuilder denseRow = new StringBuilder(String.format(Locale.ROOT, "| %-24s |", "dense (TFLOP per image)"));
        for (int px : sizes) {
            denseRow.append(String.format(Locale.ROOT, " %9.2f |", xl(px).denseRun(LCM4.length) / 1e12));
        }
        out.println(denseRow);
        Set<DensityPreset> rows = new LinkedHashSet<>();
        for (String name : presetNames) {
            DensityPreset p = DensityPreset.byLabel(name.strip());
            rows.add(p);
            rows.add(p.mirror());
        }
        for (DensityPreset p : rows) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %-24s |", p.label()));
            for (int px : sizes) {
                TransformerFlops flops = xl(px);
                DensityPlan plan = DensityPlanner.preset(p, LCM4, flops.layers());
                row.append(String.format(Locale.ROOT, " %9.3f |", (double) flops.run(plan) / flops.denseRun(LCM4.length)));
            }
            out.println(row);
        }
        for (int n : new int[] {3, 2}) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %-24s |", "dense " + n + " steps"));
            for (int px : sizes) {
                TransformerFlops flops = xl(px);
                row.append(String.format(Locale.ROOT, " %9.3f |", (double) flops.denseRun(n) / flops.denseRun(LCM4.length)));
            }
            out.println(row);
        }
    }

    private static TransformerFlops xl(int pixels) {
        int tokens = pixels / 8 / PIXART_XL_2.patchSize();
        return new TransformerFlops(PIXART_XL_2, 1, new TokenGrid(tokens, tokens), XL_CAPTION_TOKENS);
    }

    /**
     * Prompts with seeds: {@code --prompts} of the model's eval set (eval/domain.json and
     * eval/prompts.json), taken round-robin over its groups so a short run sees one-, two- and
     * three-object captions alike; else built-in captions, which are not scored.
     */
    private List<Sample> samples(Path folder) {
        List<Sample> base = new ArrayList<>();
        if (Files.isRegularFile(folder.resolve("eval/prompts.json"))) {
            EvalSet set = EvalSet.load(folder.resolve("eval"));
            scorer = new ShapeScorer(set.domain());
            for (EvalPrompt p : roundRobinOverGroups(set.prompts(), promptCount)) {
                base.add(new Sample(p.caption(), p.seed(), p));
            }
        } else {
            String[] captions = {"a large red circle in the top left", "a blue square above a yellow triangle",
                    "a small green triangle in the center", "two purple circles", "a black square right of an orange circle",
                    "a cyan triangle at the bottom", "a yellow circle left of a blue triangle", "three red squares"};
            for (int i = 0; i < promptCount; i++) {
                base.add(new Sample(captions[i % captions.length], 1000 + i, null));
            }
        }
        if (base.isEmpty() || seedsPerPrompt < 1) {
            throw new IllegalArgumentException("the benchmark needs at least one prompt and one seed");
        }
        List<Sample> out = new ArrayList<>();
        for (Sample s : base) {
            for (int k = 0; k < seedsPerPrompt; k++) {
                out.add(new Sample(s.caption(), s.seed() + k, s.prompt()));
            }
        }
        return out;
    }

    /** The first prompt of each group in file order, then the second of each, … until {@code count}. */
    static List<EvalPrompt> roundRobinOverGroups(List<EvalPrompt> prompts, int count) {
        java.util.Map<String, java.util.ArrayDeque<EvalPrompt>> byGroup = new java.util.LinkedHashMap<>();
        prompts.forEach(p -> byGroup.computeIfAbsent(p.group(), g -> new java.util.ArrayDeque<>()).add(p));
        List<EvalPrompt> out = new ArrayList<>();
        while (out.size() < count && byGroup.values().stream().anyMatch(q -> !q.isEmpty())) {
            for (java.util.ArrayDeque<EvalPrompt> q : byGroup.values()) {
                if (!q.isEmpty() && out.size() < count) {
                    out.add(q.poll());
                }
            }
        }
        return out;
    }

    private static Path defaultModel() {
        String home = System.getenv("LUMEN_HOME");
        Path dir = Path.of(home != null ? home : ".").resolve("models/shapes-demo");
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no model at " + dir + "; pass --model (e.g. "
                    + "dit-worker/engine/src/test/resources/pixart-tiny/model)");
        }
        return dir;
    }
}
