package dev.lumen.engine.demo;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bundled demo models (models/shapes-demo, and shapes-demo-lcm distilled from it) against the
 * PyTorch code that trained them: the training side's own sampler ran fixed inputs through each
 * exported fp16 folder and dumped every step (training/lumen_train/parity.py). Same latents and
 * image here, from the prompt text, prove that export and engine agree on the architecture, the
 * tokenizer and the schedulers.
 */
class DemoModelParityTest {
    private static final double FP32_TOLERANCE = 1e-4;

    static Path demoModel() {
        return Path.of(System.getProperty("lumen.demoModel", "../../models/shapes-demo")).toAbsolutePath().normalize();
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        Path dpm = demoModel();
        for (Path model : List.of(dpm, dpm.resolveSibling(dpm.getFileName() + "-lcm"))) {
            Path cases = model.resolve("parity/cases.json");
            assertThat(cases).as("the bundled demo model's parity reference").exists();
            for (JsonNode c : JsonMapper.builder().build().readTree(Files.readString(cases))) {
                out.add(Arguments.of(model.getFileName() + "/" + c.get("file").asString(), model, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void engineReproducesTheTrainingCode(String displayName, Path model, JsonNode c) {
        String file = c.get("file").asString();
        try (Ops ops = new CpuOps();
             TensorSource golden = TensorSource.open(model.resolve("parity").resolve(file));
             PixArtPipeline pipeline = PixArtPipeline.load(ModelFolder.open(model, "transformer",
                     c.get("scheduler").asString()), ops)) {
            PipelineInputs all = PipelineInputs.read(golden);
            var chosen = new java.util.LinkedHashMap<String, dev.lumen.engine.pipeline.HostTensor>();
            for (String name : all.names()) {
                if (name.equals("latents_init") || name.startsWith("noise_step")) {
                    chosen.put(name, all.get(name).orElseThrow());
                }
            }
            int size = golden.info("image").intShape()[0];
            GenerationRequest request = new GenerationRequest(List.of(c.get("prompt").asString()),
                    c.get("negative_prompt").asString(), c.get("steps").asInt(), c.get("guidance_scale").asDouble(),
                    size, size, 0, new PipelineInputs(Map.copyOf(chosen)));

            PixArtPipeline.EncodedText text = pipeline.encodeText(List.of(c.get("prompt").asString()));
            assertThat(text.mask()).containsExactly(golden.floats("prompt_attention_mask"));
            assertThat(reportedError(file + " prompt_embeds", text.embeds().values(), golden.floats("prompt_embeds")))
                    .isLessThan(FP32_TOLERANCE);

            GenerationResult result = pipeline.generate(request);
            assertThat(result.timesteps()).containsExactly(Fixtures.ints(golden.floats("timesteps")));
            for (int i = 0; i < result.latentsPerStep().size(); i++) {
                assertThat(reportedError(file + " latents_step" + i, result.latentsPerStep().get(i).values(),
                        golden.floats("latents_step" + i))).isLessThan(FP32_TOLERANCE);
            }
            assertThat(reportedError(file + " image", result.images().getFirst().values(), golden.floats("image")))
                    .isLessThan(FP32_TOLERANCE);
        }
    }
}
