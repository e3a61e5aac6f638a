package dev.lumen.engine.pipeline;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whole pipelines against {@code PixArtAlphaPipeline} runs of the reference (golden/pipelines.json):
 * the per-step latents, the guided model outputs' effect, and the final image, fed the reference's
 * initial latents and LCM noise. Each golden runs twice: from the prompt text (tokenizer → T5 →
 * transformer → scheduler → VAE) and from the reference's own caption embeddings. Runs on the CPU
 * backend; subclasses override {@link #newOps()} to run the same goldens on another.
 */
class PipelineGoldenTest {
    private static final double FP32_TOLERANCE = 1e-4;

    /** The backend under test (subclasses run the goldens on another one); closed after each run. */
    protected Ops newOps() {
        return new CpuOps();
    }

    static Stream<Arguments> goldens() throws IOException {
        JsonNode table = JsonMapper.builder().build()
                .readTree(Files.readString(Fixtures.root().resolve("golden/pipelines.json")));
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode entry : table) {
            cases.add(Arguments.of(entry.get("file").asString(), entry, true));
            cases.add(Arguments.of(entry.get("file").asString(), entry, false));
        }
        return cases.stream();
    }

    private static ModelFolder folder(JsonNode entry) {
        return ModelFolder.open(Fixtures.model(), entry.get("transformer").asString(), entry.get("scheduler").asString());
    }

    /** The golden's prompt: one string, or a list for the batch goldens. */
    private static List<String> prompts(JsonNode entry) {
        List<String> prompts = new ArrayList<>();
        JsonNode p = entry.get("prompt");
        if (p.isArray()) {
            p.forEach(x -> prompts.add(x.asString()));
        } else {
            prompts.add(p.asString());
        }
        return prompts;
    }

    @ParameterizedTest(name = "{0} from text: {2}")
    @MethodSource("goldens")
    void pipelineMatchesDiffusers(String file, JsonNode entry, boolean fromText) {
        ModelFolder folder = folder(entry);
        List<String> prompts = prompts(entry);
        try (Ops ops = newOps();
             TensorSource golden = Fixtures.golden(file);
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops)) {
            PipelineInputs all = PipelineInputs.read(golden);
            Map<String, HostTensor> chosen = new LinkedHashMap<>();
            for (String name : all.names()) {
                if (!fromText || name.equals("latents_init") || name.startsWith("noise_step")) {
                    chosen.put(name, all.get(name).orElseThrow());
                }
            }
            GenerationRequest request = new GenerationRequest(prompts, entry.get("negative_prompt").asString(),
                    entry.get("steps").asInt(), entry.get("guidance_scale").asDouble(), entry.get("width").asInt(),
                    entry.get("height").asInt(), 0, new PipelineInputs(chosen));
            GenerationResult result = pipeline.generate(request);

            assertThat(result.timesteps()).containsExactly(Fixtures.ints(golden.floats("timesteps")));
            String mode = fromText ? " (text)" : " (embeds)";
            for (int i = 0; i < result.latentsPerStep().size(); i++) {
                assertThat(reportedError(file + " latents_step" + i + mode, result.latentsPerStep().get(i).values(),
                        golden.floats("latents_step" + i))).isLessThan(FP32_TOLERANCE);
            }
            assertThat(reportedError(file + " decoded" + mode, result.decoded().values(), golden.floats("decoded")))
                    .isLessThan(FP32_TOLERANCE);
            assertThat(reportedError(file + " image" + mode, result.images().getFirst().values(), golden.floats("image")))
                    .isLessThan(FP32_TOLERANCE);
            if (golden.contains("images")) {
                float[] allImages = new float[golden.floats("images").length];
                int at = 0;
                for (HostTensor image : result.images()) {
                    System.arraycopy(image.values(), 0, allImages, at, image.values().length);
                    at += image.values().length;
                }
                assertThat(reportedError(file + " images" + mode, allImages, golden.floats("images")))
                        .isLessThan(FP32_TOLERANCE);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void captionEmbeddingsMatchTheReference(String file, JsonNode entry, boolean fromText) {
        if (!fromText) {
            return;
        }
        ModelFolder folder = folder(entry);
        List<String> prompts = prompts(entry);
        try (Ops ops = newOps();
             TensorSource golden = Fixtures.golden(file);
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops)) {
            PixArtPipeline.EncodedText text = pipeline.encodeText(prompts);
            assertThat(reportedError(file + " prompt_embeds", text.embeds().values(), golden.floats("prompt_embeds")))
                    .isLessThan(FP32_TOLERANCE);
            assertThat(text.mask()).containsExactly(golden.floats("prompt_attention_mask"));
        }
    }
}
