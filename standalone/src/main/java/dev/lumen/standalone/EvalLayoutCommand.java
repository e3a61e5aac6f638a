package dev.lumen.standalone;

import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationListener;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.eval.Box;
import dev.lumen.eval.Domain;
import dev.lumen.eval.GroupedMeans;
import dev.lumen.eval.LayoutRegion;
import dev.lumen.eval.LayoutScore;
import dev.lumen.eval.SampleGrid;
import dev.lumen.eval.ShapeScorer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen eval layout}: a seeded set of layouts (1–4 regions of the coloured-shapes
 * domain) generated with regional attention and, with the same seeds, from the plain caption;
 * scored with the layout metrics of layout.md §7.2 (presence, centre-in-box, IoU, mass-in-box,
 * count, layout success), with 95% bootstrap intervals per region count, and the time cost.
 */
@Command(name = "layout", mixinStandardHelpOptions = true,
        description = "Layout adherence on the demo domain: seeded layouts with and without regional attention "
                + "(same seeds), layout metrics with 95%% bootstrap intervals, and the time cost.")
final class EvalLayoutCommand implements Callable<Integer> {
    private static final List<String> METRICS = List.of("presence", "centre_in_box", "iou", "mass_in_box", "count",
            "success");

    @Option(names = "--model", description = "Model folder with eval/domain.json (default: the bundled demo model).")
    Path model;




    @CommandLine.Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--layouts", defaultValue = "12", description = "Layouts per region count 1..4 (default: ${DEFAULT-VALUE}).")
    int layoutsPerCount;

    @Option(names = "--seeds", defaultValue = "2", description = "Seeds per layout (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--strength", description = "Regional strength 1 - β (default: the engine's, layout.md §3.5).")
    Double strength;

    @Option(names = "--until-t", description = "Regional attention while the timestep is at least this (default: the engine's).")
    Integer untilT;

    @Option(names = "--self-attention", negatable = true, description = "Restrict self-attention too (default: the engine's).")
    Boolean selfAttention;

    @Option(names = "--out", defaultValue = "lumen-eval/layout", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    /** A planned case: the layout and the colours its boxes ask for. */
    record Case(int regions, RegionalLayout layout, List<LayoutRegion> expected) {
    }

    @Override
    public Integer call() throws Exception {
        if (layoutsPerCount < 1 || seeds < 1) {
            throw new IllegalArgumentException("--layouts and --seeds must be at least 1");
        }
        Path folder = model != null ? model : BundledModels.requireDemo();
        Domain domain = Domain.load(folder.resolve("eval").resolve("domain.json"));
        List<Case> cases = cases(domain, layoutsPerCount, 20261123L);
        ModelFolder modelFolder = ModelFolder.open(folder);
        SamplerKind.Choice choice = SamplerKind.choose(modelFolder, sampling.sampler, null);
        int stepCount = sampling.steps != null ? sampling.steps : choice.kind().defaultSteps();
        double scale = sampling.guidance != null ? sampling.guidance : choice.kind().defaultGuidance();
        ShapeScorer scorer = new ShapeScorer(domain);
        List<GroupedMeans.Sample> withLayout = new ArrayList<>();
        List<GroupedMeans.Sample> without = new ArrayList<>();
        List<SampleGrid.Tile> tiles = new ArrayList<>();
        double layoutSeconds = 0;
        double plainSeconds = 0;
        Files.createDirectories(out.resolve("images"));
        try (Ops ops = Backends.open(sampling.backend);
             PixArtPipeline pipeline = PixArtPipeline.load(modelFolder, ops, choice.config())) {
            System.out.printf(Locale.ROOT, "model %s, %s %d steps, guidance %.1f, %s backend, %d layouts x %d seeds, %dx%d%n%n",
                    folder, choice.kind().cliName(), stepCount, scale, ops.name(), cases.size(), seeds, domain.width(),
                    domain.height());
            // One untimed run of each path first, so JIT warm-up does not land on the first timed case.
            RegionalLayout warm = cases.getFirst().layout();
            pipeline.generate(GenerationRequest.withLayout(warm, 1, "", stepCount, scale, domain.width(), domain.height(), 1,
                    PipelineInputs.NONE), GenerationListener.NONE, () -> false);
            pipeline.generate(new GenerationRequest(List.of(warm.caption()), "", stepCount, scale, domain.width(),
                    domain.height(), 1, PipelineInputs.NONE), GenerationListener.NONE, () -> false);
            ProgressBar bar = new ProgressBar("generating", cases.size() * seeds);
            int done = 0;
            for (int c = 0; c < cases.size(); c++) {
                Case k = cases.get(c);
                RegionalLayout layout = k.layout().withControl(control(k.layout().control()));
                for (int s = 0; s < seeds; s++) {
                    long seed = 5000L + 100L * c + s;
                    long t0 = System.nanoTime();
                    GenerationResult regional = pipeline.generate(GenerationRequest.withLayout(layout, 1, "", stepCount,
                            scale, domain.width(), domain.height(), seed, PipelineInputs.NONE), GenerationListener.NONE, () -> false);
                    long t1 = System.nanoTime();
                    GenerationResult plain = pipeline.generate(new GenerationRequest(List.of(layout.caption()), "", stepCount,
                            scale, domain.width(), domain.height(), seed, PipelineInputs.NONE), GenerationListener.NONE, () -> false);
                    long t2 = System.nanoTime();
                    layoutSeconds += (t1 - t0) / 1e9;
                    plainSeconds += (t2 - t1) / 1e9;
                    BufferedImage regionalImage = PngWriter.toImage(regional.images().getFirst());
                    BufferedImage plainImage = PngWriter.toImage(plain.images().getFirst());
                    PngWriter.write(regional.images().getFirst(), Map.of("prompt", layout.caption(), "seed", Long.toString(seed)),
                            out.resolve("images").resolve("layout-" + c + "-" + s + ".png"));
                    PngWriter.write(plain.images().getFirst(), Map.of("prompt", layout.caption(), "seed", Long.toString(seed)),
                            out.resolve("images").resolve("plain-" + c + "-" + s + ".png"));
                    String group = k.regions() + (k.regions() == 1 ? " region" : " regions");
                    LayoutScore a = scorer.scoreLayout(regionalImage, k.expected());
                    LayoutScore b = scorer.scoreLayout(plainImage, k.expected());
                    withLayout.add(new GroupedMeans.Sample(group, values(a)));
                    without.add(new GroupedMeans.Sample(group, values(b)));
                    if (s == 0) {
                        tiles.add(new SampleGrid.Tile(regionalImage, "layout: " + boxes(k), a.success()));
                        tiles.add(new SampleGrid.Tile(plainImage, "plain: " + layout.caption(), b.success()));
                    }
                    bar.update(++done);
                }
            }
            bar.done();
        }
        System.out.println("with the layout (regional attention):");
        System.out.print(GroupedMeans.of(METRICS, withLayout).table().render());
        System.out.println();
        System.out.println("same seeds, plain caption (no layout):");
        System.out.print(GroupedMeans.of(METRICS, without).table().render());
        int images = cases.size() * seeds;
        System.out.printf(Locale.ROOT, "%ntime per image: %.3f s with the layout, %.3f s without (%+.1f%%)%n",
                layoutSeconds / images, plainSeconds / images, 100 * (layoutSeconds / plainSeconds - 1));
        Path grid = out.resolve("grid.png");
        SampleGrid.write(tiles, 8, Math.min(256, Math.max(128, domain.width())), grid);
        System.out.println("images in " + out.resolve("images") + ", sample grid (layout, plain pairs) " + grid);
        return 0;
    }

    private RegionalLayout.Control control(RegionalLayout.Control base) {
        return new RegionalLayout.Control(strength != null ? strength : base.strength(),
                untilT != null ? untilT : base.untilT(), selfAttention != null ? selfAttention : base.selfAttention(),
                base.overlap());
    }

    private static double[] values(LayoutScore s) {
        return new double[] {s.presence(), s.centreInBox(), s.iou(), s.massInBox(), s.countOk() ? 1 : 0,
                s.success() ? 1 : 0};
    }

    private static String boxes(Case k) {
        StringBuilder b = new StringBuilder();
        for (LayoutRegion r : k.expected()) {
            b.append(String.format(Locale.ROOT, "%s [%.2f %.2f %.2f %.2f] ", r.colour(), r.box().x0(), r.box().y0(),
                    r.box().x1(), r.box().y1()));
        }
        return b.toString().trim();
    }

    /**
     * Seeded layouts: for each region count 1..4, boxes of side 0.2–0.5 that do not overlap, each
     * asking for a distinct colour and a shape of the domain; the caption lists the objects in the
     * domain's phrasing ("a red circle, a blue square and a yellow triangle").
     */
    static List<Case> cases(Domain domain, int perCount, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> colours = new ArrayList<>(domain.colours().keySet());
        List<String> shapes = domain.shapes().stream().map(s -> s.jsonName()).toList();
        List<Case> cases = new ArrayList<>();
        for (int k = 1; k <= 4; k++) {
            for (int i = 0; i < perCount; i++) {
                List<Box> boxes = boxes(random, k);
                List<String> pool = new ArrayList<>(colours);
                List<RegionalLayout.Region> regions = new ArrayList<>();
                List<LayoutRegion> expected = new ArrayList<>();
                List<String> phrases = new ArrayList<>();
                for (Box box : boxes) {
                    String colour = pool.remove(random.nextInt(pool.size()));
                    String shape = shapes.get(random.nextInt(shapes.size()));
                    String phrase = "a " + colour + " " + shape;
                    phrases.add(phrase);
                    regions.add(new RegionalLayout.Region(new RegionalLayout.Box(box.x0(), box.y0(), box.x1(), box.y1()),
                            phrase));
                    expected.add(new LayoutRegion(box, colour));
                }
                String caption = phrases.size() == 1 ? phrases.getFirst()
                        : String.join(", ", phrases.subList(0, phrases.size() - 1)) + " and " + phrases.getLast();
                cases.add(new Case(k, new RegionalLayout(caption, null, regions), expected));
            }
        }
        return cases;
    }

    private static List<Box> boxes(SplittableRandom random, int k) {
        while (true) {
            List<Box> boxes = new ArrayList<>();
            for (int tries = 0; tries < 200 && boxes.size() < k; tries++) {
                double side = 0.2 + 0.3 * random.nextDouble();
                double w = side * (0.85 + 0.3 * random.nextDouble());
                double h = side * (0.85 + 0.3 * random.nextDouble());
                w = Math.min(w, 0.5);
                h = Math.min(h, 0.5);
                double x0 = random.nextDouble() * (1 - w);
                double y0 = random.nextDouble() * (1 - h);
                Box b = new Box(x0, y0, x0 + w, y0 + h);
                if (boxes.stream().noneMatch(o -> o.iou(b) > 0)) {
                    boxes.add(b);
                }
            }
            if (boxes.size() == k) {
                return boxes;
            }
        }
    }
}
