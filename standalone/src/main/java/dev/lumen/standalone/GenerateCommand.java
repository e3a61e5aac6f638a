package dev.lumen.standalone;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.layout.LayoutJson;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.HostTensor;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./lumen generate}: one prompt (or explicit embeddings) to a PNG with the engine, no
 * services; with {@code --layout} the image is composed from a layout (regional attention).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Turn a prompt into a PNG with a PixArt checkpoint in diffusers layout.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder (diffusers layout: model_index.json, transformer/, …), "
            + "s3://bucket/prefix or hf:owner/repo[@revision] (fetched into the model cache; see pull) "
            + "(default: the bundled demo model, models/shapes-demo).")
    String model;

    @Option(names = "--prompt", description = "The prompt (may be omitted when --inputs holds prompt_embeds, or "
            + "when --layout gives a file: the layout's caption is the prompt).")
    String prompt;

    @Option(names = "--layout", paramLabel = "FILE|auto", description = "Compose the image from a layout JSON file "
            + "(caption, regions with a box [x0, y0, x1, y1] in fractions of the image and a caption, optional "
            + "background and control {strength, until_t, self_attention, overlap}), or 'auto' to plan one from --prompt.")
    String layout;

    @Option(names = "--negative-prompt", defaultValue = "", description = "Negative prompt (default: empty).")
    String negativePrompt;

    @Option(names = "--steps", description = "Denoising steps (default: 20 for dpm-solver, 4 for lcm).")
    Integer steps;

    @Option(names = "--guidance", description = "Classifier-free guidance scale; ≤ 1 disables it (default: 4.5 for dpm-solver, 0 for lcm).")
    Double guidance;

    @Option(names = "--sampler", description = "dpm-solver or lcm (default: the model's scheduler).")
    String sampler;

    @Option(names = "--width", description = "Image width in pixels (default: the transformer's native size).")
    Integer width;

    @Option(names = "--height", description = "Image height in pixels (default: the transformer's native size).")
    Integer height;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, vulkan or auto (Vulkan if present, else CPU) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--transformer", description = "Transformer sub-folder (default: transformer).")
    String transformerSubdir;

    @Option(names = "--scheduler", description = "Scheduler sub-folder (default: scheduler, or the one matching --sampler).")
    String schedulerSubdir;

    @Option(names = "--inputs", description = "safetensors with explicit latents_init, noise_step{i}, prompt_embeds, … to use instead of drawing or computing them.")
    Path inputs;

    @Option(names = "--keep-text-encoder", description = "Keep T5 mapped between uses (by default it is unmapped after "
            + "encoding, so its pages leave resident memory while the transformer and VAE run).")
    boolean keepTextEncoder;

    @Option(names = "--token-density", description = "full (default), high, balanced, low, minimal, a fraction of the "
            + "dense transformer FLOPs in (0, 1], or a rules JSON file (docs/adr/0009-token-density-operators-and-plans.md).")
    String tokenDensity;

    @Option(names = "--out", required = true, description = "Output PNG file.")
    Path out;

    @Option(names = "--dump", description = "Also write image (float [H, W, 3]) and latents_step{i} to this safetensors file.")
    Path dump;

    private final LayoutPlanning planner;

    GenerateCommand() {
        this(LayoutPlanning.RULE_PLANNER);
    }

    GenerateCommand(LayoutPlanning planner) {
        this.planner = planner;
    }

    @Override
    public Integer call() throws Exception {
        Path modelFolder = model == null ? BundledModels.requireDemo() : ModelArgument.resolve(model);
        boolean planned = "auto".equals(layout);
        RegionalLayout fromFile = layout == null || planned ? null : LayoutJson.read(Path.of(layout));
        if (fromFile != null && prompt != null && !prompt.equals(fromFile.caption())) {
            throw new IllegalArgumentException("--prompt differs from the caption of " + layout + "; a layout carries its "
                    + "own caption (omit --prompt)");
        }
        if (planned && prompt == null) {
            throw new IllegalArgumentException("--layout auto needs --prompt: the planner lays out the prompt's entities");
        }
        ModelFolder folder = ModelFolder.open(modelFolder, transformerSubdir, null);
        SamplerKind.Choice choice = SamplerKind.choose(folder, sampler, schedulerSubdir);
        PipelineInputs explicit = PipelineInputs.NONE;
        if (inputs != null) {
            try (TensorSource source = TensorSource.open(inputs)) {
                explicit = PipelineInputs.read(source);
            }
        }
        if (prompt == null && fromFile == null && explicit.get("prompt_embeds").isEmpty()) {
            throw new IllegalArgumentException("--prompt is required unless --layout gives a file or --inputs holds "
                    + "prompt_embeds");
        }
        try (Ops ops = Backends.open(backend);
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops, choice.config())) {
            pipeline.setTextEncoderResident(keepTextEncoder);
            int native_ = pipeline.transformer().config().sampleSize() * pipeline.vae().config().scaleFactor();
            int w = width != null ? width : native_;
            int h = height != null ? height : native_;
            RegionalLayout regional = planned ? planner.plan(prompt, w, h) : fromFile;
            String caption = regional != null ? regional.caption() : prompt == null ? "" : prompt;
            GenerationRequest request = new GenerationRequest(List.of(caption), negativePrompt,
                    steps != null ? steps : choice.kind().defaultSteps(),
                    guidance != null ? guidance : choice.kind().defaultGuidance(), w, h, seed, explicit, regional,
                    DensityArguments.parse(tokenDensity));
            ProgressBar bar = new ProgressBar("denoising", request.steps());
            GenerationResult result = pipeline.generate(request, dev.lumen.engine.pipeline.GenerationListener.onSteps((step, total, t, latents) -> bar.update(step + 1)),
                    () -> false);
            bar.done();
            for (String warning : result.warnings()) {
                System.err.println("lumen generate: warning: " + warning);
            }
            Map<String, String> text = new LinkedHashMap<>();
            text.put("prompt", regional != null ? caption : prompt == null ? "(explicit embeddings)" : prompt);
            if (regional != null) {
                text.put("layout", LayoutJson.write(regional));
            }
            text.put("negative_prompt", negativePrompt);
            text.put("seed", Long.toString(seed));
            text.put("model", model != null ? model : modelFolder.toString());
            text.put("sampler", choice.kind().cliName());
            text.put("steps", Integer.toString(request.steps()));
            text.put("guidance_scale", Double.toString(request.guidanceScale()));
            if (tokenDensity != null) {
                text.put("token_density", result.density().summary());
            }
            PngWriter.write(result.images().getFirst(), text, out);
            if (dump != null) {
                writeDump(result, dump);
            }
            if (tokenDensity != null) {
                DensityArguments.print(result.density(), System.err);
            }
            GenerationResult.Timings t = result.timings();
            System.err.printf(Locale.ROOT, "wrote %s (%d×%d, %s, %d steps, %s backend) in %.1f s%n", out,
                    request.width(), request.height(), choice.kind().cliName(), request.steps(), ops.name(),
                    t.totalMs() / 1000);
        }
        return 0;
    }

    private static void writeDump(GenerationResult result, Path file) throws java.io.IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("producer", "lumen generate --dump");
        HostTensor image = result.images().getFirst();
        w.add("image", DType.F32, image.values(), toLong(image.shape()));
        for (int i = 0; i < result.latentsPerStep().size(); i++) {
            HostTensor l = result.latentsPerStep().get(i);
            w.add("latents_step" + i, DType.F32, l.values(), toLong(l.shape()));
        }
        w.write(file);
    }

    private static long[] toLong(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }
}
