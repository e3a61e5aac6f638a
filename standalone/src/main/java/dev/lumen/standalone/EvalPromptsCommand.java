package dev.lumen.standalone;

import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationListener;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.eval.Domain;
import dev.lumen.eval.EvalPrompt;
import dev.lumen.eval.EvalSet;
import dev.lumen.eval.ImageScore;
import dev.lumen.eval.PromptResults;
import dev.lumen.eval.SampleGrid;
import dev.lumen.eval.ShapeScorer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen eval prompts}: generates the eval set's seeded captions with a model of the
 * coloured-shapes domain (or reads existing PNGs), scores each image with the {@link ShapeScorer}
 * and prints per-group means with 95% bootstrap intervals; writes the images, a sample grid and
 * per-image results.
 */
@Command(name = "prompts", mixinStandardHelpOptions = true,
        description = "Generate the eval set's seeded captions and score colour, position, shape, size and count "
                + "with the coloured-shapes scorer (means with 95%% bootstrap intervals per group).")
final class EvalPromptsCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder in diffusers layout with eval/domain.json and eval/prompts.json, "
            + "or s3://bucket/prefix or hf:owner/repo[@revision] with --eval-set (default: the bundled demo model, models/shapes-demo).")
    String model;

    @Option(names = "--eval-set", description = "Folder with domain.json and prompts.json (default: the model's eval/).")
    Path evalSet;

    @Option(names = "--images", description = "Score the PNGs <id>.png in this folder instead of generating "
            + "(e.g. ground-truth renders or VAE reconstructions, to measure ceilings).")
    Path images;




    @CommandLine.Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--group", split = ",", description = "Only these groups (comma-separated or repeated; default: all).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--limit", defaultValue = "0", description = "At most this many prompts of each group (default: all).")
    int limit;

    @Option(names = "--out", defaultValue = "lumen-eval/prompts", description = "Output folder for images/, results.csv "
            + "and results.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--grid", description = "Sample grid PNG (default: grid.png in the output folder).")
    Path grid;

    @Override
    public Integer call() throws Exception {
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 (all) or positive, got " + limit);
        }
        Path modelFolder = resolveModel();
        Path setFolder = evalSet != null ? evalSet : modelFolder.resolve("eval");
        EvalSet set = EvalSet.load(setFolder);
        List<EvalPrompt> prompts = set.select(groups, limit);
        ShapeScorer scorer = new ShapeScorer(set.domain());
        PromptResults results = new PromptResults();
        List<SampleGrid.Tile> tiles = new ArrayList<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("eval_set", setFolder.toString());
        settings.put("prompts", prompts.size());
        if (images != null) {
            settings.put("images", images.toString());
            System.out.printf(Locale.ROOT, "scoring %d images in %s against %s%n%n", prompts.size(), images, setFolder);
            for (EvalPrompt p : prompts) {
                BufferedImage image = readPng(images.resolve(p.id() + ".png"));
                ImageScore score = scorer.score(image, p);
                results.add(p, score, Double.NaN);
                tiles.add(new SampleGrid.Tile(image, p.caption(), score.allOk()));
            }
        } else {
            generate(modelFolder, set.domain(), prompts, scorer, results, tiles, settings);
        }
        System.out.print(results.table().render());
        Files.createDirectories(out);
        results.writeCsv(out.resolve("results.csv"));
        results.writeJson(out.resolve("results.json"), settings);
        Path gridFile = grid != null ? grid : out.resolve("grid.png");
        // Small domains are enlarged to 128 px per tile so people can see them; large ones shrunk to 256.
        SampleGrid.write(tiles, 8, Math.min(256, Math.max(128, set.domain().width())), gridFile);
        System.out.printf(Locale.ROOT, "%nwrote %s, %s and the sample grid %s%n", out.resolve("results.csv"),
                out.resolve("results.json"), gridFile);
        return 0;
    }

    private Path resolveModel() {
        if (model != null) {
            return ModelArgument.resolve(model);
        }
        if (Files.isDirectory(BundledModels.demo())) {
            return BundledModels.demo();
        }
        if (images != null && evalSet != null) {
            return null;
        }
        throw new IllegalArgumentException("no --model given and the bundled demo model is not at "
                + BundledModels.demo().toAbsolutePath() + "; pass --model DIR (a coloured-shapes model in diffusers layout "
                + "with eval/domain.json and eval/prompts.json)" + (images != null ? " or --eval-set DIR" : ""));
    }

    private void generate(Path modelFolder, Domain domain, List<EvalPrompt> prompts, ShapeScorer scorer,
                          PromptResults results, List<SampleGrid.Tile> tiles, Map<String, Object> settings) {
        ModelFolder folder = ModelFolder.open(modelFolder);
        SamplerKind.Choice choice = SamplerKind.choose(folder, sampling.sampler, null);
        int stepCount = sampling.steps != null ? sampling.steps : choice.kind().defaultSteps();
        double scale = sampling.guidance != null ? sampling.guidance : choice.kind().defaultGuidance();
        Path imageDir = out.resolve("images");
        try (Ops ops = Backends.open(sampling.backend);
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops, choice.config())) {
            settings.put("model", modelFolder.toString());
            settings.put("sampler", choice.kind().cliName());
            settings.put("steps", stepCount);
            settings.put("guidance_scale", scale);
            settings.put("backend", ops.name());
            settings.put("width", domain.width());
            settings.put("height", domain.height());
            System.out.printf(Locale.ROOT, "model %s, %s %d steps, guidance %.1f, %s backend, %d prompts at %d×%d%n%n",
                    modelFolder, choice.kind().cliName(), stepCount, scale, ops.name(), prompts.size(), domain.width(),
                    domain.height());
            ProgressBar bar = new ProgressBar("generating", prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                EvalPrompt p = prompts.get(i);
                long start = System.nanoTime();
                GenerationResult result = pipeline.generate(new GenerationRequest(List.of(p.caption()), "", stepCount, scale,
                        domain.width(), domain.height(), p.seed(), PipelineInputs.NONE), GenerationListener.NONE, () -> false);
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, String> text = new LinkedHashMap<>();
                text.put("prompt", p.caption());
                text.put("seed", Long.toString(p.seed()));
                text.put("model", modelFolder.toString());
                text.put("sampler", choice.kind().cliName());
                text.put("steps", Integer.toString(stepCount));
                text.put("guidance_scale", Double.toString(scale));
                PngWriter.write(result.images().getFirst(), text, imageDir.resolve(p.id() + ".png"));
                BufferedImage image = PngWriter.toImage(result.images().getFirst());
                ImageScore score = scorer.score(image, p);
                results.add(p, score, seconds);
                tiles.add(new SampleGrid.Tile(image, p.caption(), score.allOk()));
                bar.update(i + 1);
            }
            bar.done();
        }
    }

    private static BufferedImage readPng(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("missing image " + file + " (--images needs <id>.png for every prompt scored)");
        }
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IllegalArgumentException(file + " is not an image ImageIO can read");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
