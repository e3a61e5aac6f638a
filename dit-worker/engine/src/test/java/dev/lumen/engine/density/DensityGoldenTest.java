package dev.lumen.engine.density;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.HostTensor;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token-density operators against the independent Python reference
 * ({@code training/density_goldens.py}) on the pixart-tiny transformer-noac weights: one whole
 * transformer forward per case of {@code golden/density_cases.json} (each operator on odd grids,
 * so cells and windows are cut by the grid's edge), and an LCM-4 pipeline with guidance under an
 * explicit plan. Every reduced case differs from the dense model by 7–28 %, so a wrong operator
 * cannot pass the fp32 bound of 1e-4. Runs on the CPU backend; {@link VulkanDensityGoldenTest}
 * runs the same on Vulkan.
 */
class DensityGoldenTest {
    private static final double FP32_TOLERANCE = 1e-4;
    private Ops ops;

    protected Ops newOps() {
        return new CpuOps();
    }

    @BeforeEach
    void openBackend() {
        ops = newOps();
    }

    @AfterEach
    void closeBackend() {
        ops.close();
    }

    static Stream<Arguments> cases() throws IOException {
        JsonNode table = JsonMapper.builder().build()
                .readTree(Files.readString(Fixtures.root().resolve("golden/density_cases.json")));
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : table) {
            out.add(Arguments.of(c.get("name").asString(), c));
        }
        return out.stream();
    }

    /** A case's per-block operators, written in the rule syntax of token_density. */
    private static TokenOperator[] operators(JsonNode c) {
        JsonNode blocks = c.get("blocks");
        TokenOperator[] ops = new TokenOperator[blocks.size()];
        for (int i = 0; i < ops.length; i++) {
            ops[i] = DensityRule.fromJson(i, blocks.get(i)).operator();
        }
        return ops;
    }

    private PixArtTransformer transformer(TensorSource weights) {
        Path dir = Fixtures.model().resolve("transformer-noac");
        return new PixArtTransformer(PixArtConfig.read(dir.resolve("config.json")), weights, ops);
    }

    private static TensorSource weights() {
        return TensorSource.open(Fixtures.model().resolve("transformer-noac/diffusion_pytorch_model.safetensors"));
    }

    private float[] forward(PixArtTransformer model, TensorSource golden, String latents, TokenOperator[] density) {
        try (Ops.Scope scope = ops.scope()) {
            var caption = model.prepareCaption(ops.fromHost(golden.floats("encoder_hidden_states"), 2, 12, 32),
                    golden.floats("encoder_attention_mask"));
            var conditioning = model.condition(golden.floats("timestep"), null, null);
            return ops.toHost(model.forward(ops.fromHost(golden.floats(latents), golden.info(latents).intShape()),
                    caption, conditioning, density));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void operatorsMatchThePythonReference(String name, JsonNode c) {
        try (TensorSource weights = weights(); TensorSource golden = Fixtures.golden("density_ops.safetensors")) {
            PixArtTransformer model = transformer(weights);
            String latents = "hidden_states_" + c.get("grid").get(0).asInt() + "x" + c.get("grid").get(1).asInt();
            float[] out = forward(model, golden, latents, operators(c));
            assertThat(reportedError(ops.name() + " density " + name, out, golden.floats("output_" + name)))
                    .isLessThan(FP32_TOLERANCE);
        }
    }

    @Test
    void allDenseRowIsTheUnmodifiedModelBitForBit() {
        try (TensorSource weights = weights(); TensorSource golden = Fixtures.golden("density_ops.safetensors")) {
            PixArtTransformer model = transformer(weights);
            TokenOperator[] dense = {TokenOperator.DENSE, TokenOperator.DENSE};
            float[] plain = forward(model, golden, "hidden_states_9x13", null);
            assertThat(forward(model, golden, "hidden_states_9x13", dense)).containsExactly(plain);
        }
    }

    /** The pipeline golden's rules, embeddings, initial latents and noise. */
    private static GenerationRequest pipelineRequest(TensorSource golden, TokenDensity density) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        PipelineInputs all = PipelineInputs.read(golden);
        for (String name : all.names()) {
            inputs.put(name, all.get(name).orElseThrow());
        }
        Map<String, String> meta = golden.metadata();
        return new GenerationRequest(List.of(""), "", Integer.parseInt(meta.get("steps")),
                Double.parseDouble(meta.get("guidance_scale")), Integer.parseInt(meta.get("width")),
                Integer.parseInt(meta.get("height")), 0, new PipelineInputs(inputs), density);
    }

    @Test
    void pipelineUnderAnExplicitPlanMatchesThePythonReference() {
        ModelFolder folder = ModelFolder.open(Fixtures.model(), "transformer-noac", "scheduler-lcm");
        try (TensorSource golden = Fixtures.golden("density_pipeline_lcm4_cfg.safetensors");
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops)) {
            TokenDensity rules = TokenDensity.fromJson("{\"rules\": " + golden.metadata().get("rules") + "}");
            for (boolean planned : new boolean[] {true, false}) {
                GenerationResult result = pipeline.generate(pipelineRequest(golden, planned ? rules : TokenDensity.FULL));
                assertThat(result.timesteps()).containsExactly(Fixtures.ints(golden.floats("timesteps")));
                String prefix = planned ? "" : "dense_";
                for (int i = 0; i < result.latentsPerStep().size(); i++) {
                    assertThat(reportedError(ops.name() + " density pipeline " + prefix + "latents_step" + i,
                            result.latentsPerStep().get(i).values(), golden.floats(prefix + "latents_step" + i)))
                            .isLessThan(FP32_TOLERANCE);
                }
                DensityReport report = result.density();
                if (planned) {
                    assertThat(report.plan().describe()).containsExactly(
                            "t=999: 0-1 kv_pool(s=2,avg)",
                            "t=759: 0-1 kv_pool(s=2,avg)",
                            "t=499: 0 mean_v, 1 kv_pool_local(s=2,window=4)",
                            "t=259: 0 kv_pool(s=4,nearest), 1 kv_pool_local(s=2,window=4)");
                    assertThat(report.fraction()).isBetween(0.5, 0.999);
                    // The rules run mean_v, an op that needs "experimental": true: the caller hears it.
                    assertThat(report.plan().experimental()).isTrue();
                    assertThat(result.warnings()).containsExactly(report.plan().experimentalNote().orElseThrow());
                } else {
                    assertThat(report.plan().isDense()).isTrue();
                    assertThat(result.warnings()).isEmpty();
                    assertThat(report.transformerFlops()).isEqualTo(report.denseTransformerFlops());
                }
            }
        }
    }

    @Test
    void fullIsBitIdenticalToARequestWithoutDensity() {
        ModelFolder folder = ModelFolder.open(Fixtures.model(), "transformer-noac", "scheduler-lcm");
        try (TensorSource golden = Fixtures.golden("density_pipeline_lcm4_cfg.safetensors");
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops)) {
            GenerationRequest full = pipelineRequest(golden, TokenDensity.parse("full"));
            GenerationRequest plain = new GenerationRequest(full.prompts(), full.negativePrompt(), full.steps(),
                    full.guidanceScale(), full.width(), full.height(), full.seed(), full.inputs());
            float[] a = pipeline.generate(full).decoded().values();
            float[] b = pipeline.generate(plain).decoded().values();
            assertThat(Arrays.equals(a, b)).as("decoded images bit for bit").isTrue();
        }
    }
}
