package dev.lumen.standalone;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.image.PngWriter;
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

/** {@code ./lumen generate}: one prompt (or explicit embeddings) to a PNG with the engine, no services. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Turn a prompt into a PNG with a PixArt checkpoint in diffusers layout.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model folder (diffusers layout: model_index.json, transformer/, …).")
    Path model;

    @Option(names = "--prompt", description = "The prompt (may be omitted when --inputs holds prompt_embeds).")
    String prompt;

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
            + "dense transformer FLOPs in (0, 1], or a rules JSON file (docs/adr/0009-token-density.md).")
    String tokenDensity;

    @Option(names = "--out", required = true, description = "Output PNG file.")
    Path out;

    @Option(names = "--dump", description = "Also write image (float [H, W, 3]) and latents_step{i} to this safetensors file.")
    Path dump;

    @Override
    public Integer call() throws Exception {
        ModelFolder folder = ModelFolder.open(model, transformerSubdir, null);
        SamplerKind.Choice choice = SamplerKind.choose(folder, sampler, schedulerSubdir);
        PipelineInputs explicit = PipelineInputs.NONE;
        if (inputs != null) {
            try (TensorSource source = TensorSource.open(inputs)) {
                explicit = PipelineInputs.read(source);
            }
        }
        if (prompt == null && explicit.get("prompt_embeds").isEmpty()) {
            throw new IllegalArgumentException("--prompt is required unless --inputs holds prompt_embeds");
        }
        try (Ops ops = Backends.open(backend);
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops, choice.config())) {
            pipeline.setTextEncoderResident(keepTextEncoder);
            int native_ = pipeline.transformer().config().sampleSize() * pipeline.vae().config().scaleFactor();
            GenerationRequest request = new GenerationRequest(List.of(prompt == null ? "" : prompt), negativePrompt,
                    steps != null ? steps : choice.kind().defaultSteps(),
                    guidance != null ? guidance : choice.kind().defaultGuidance(),
                    width != null ? width : native_, height != null ? height : native_, seed, explicit,
                    DensityArguments.parse(tokenDensity));
            ProgressBar bar = new ProgressBar("denoising", request.steps());
            GenerationResult result = pipeline.generate(request, dev.lumen.engine.pipeline.GenerationListener.onSteps((step, total, t, latents) -> bar.update(step + 1)),
                    () -> false);
            bar.done();
            Map<String, String> text = new LinkedHashMap<>();
            text.put("prompt", prompt == null ? "(explicit embeddings)" : prompt);
            text.put("negative_prompt", negativePrompt);
            text.put("seed", Long.toString(seed));
            text.put("model", model.toString());
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
