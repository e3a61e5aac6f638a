package dev.lumen.engine.pipeline;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.LayoutJson;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.testing.Fixtures;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A layout job end to end against {@code golden/regional_pipeline_lcm4_cfg.safetensors}: the
 * reference's PixArtAlphaPipeline with its regional-attention processor (LCM 4 steps, CFG 4.5,
 * 64×64, three boxes and a background; regional on the conditional half at t ≥ 600). Fed the
 * reference's initial latents and LCM noise; once from text (the region captions through the
 * tokenizer and one T5 batch) and once from the reference's own caption embeddings. CPU here;
 * {@link VulkanRegionalPipelineGoldenTest} runs it on Vulkan.
 */
class RegionalPipelineGoldenTest {
    private static final double FP32_TOLERANCE = 1e-4;
    static final String GOLDEN = "regional_pipeline_lcm4_cfg.safetensors";

    protected Ops newOps() {
        return new CpuOps();
    }

    /** The golden's layout, as layout JSON (the file the command line reproduces it from). */
    static Path layoutFile() {
        try {
            return Path.of(RegionalPipelineGoldenTest.class.getResource("/layouts/regional_pipeline_lcm4_cfg.json").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelFolder folder() {
        return ModelFolder.open(Fixtures.model(), "transformer-noac", "scheduler-lcm");
    }

    private static GenerationRequest request(RegionalLayout layout, PipelineInputs inputs) {
        return layout == null
                ? new GenerationRequest(List.of("A golden lamp and a blue house on a wooden table in a quiet room."), "", 4,
                        4.5, 64, 64, 0, inputs)
                : GenerationRequest.withLayout(layout, 1, "", 4, 4.5, 64, 64, 0, inputs);
    }

    private static PipelineInputs inputs(TensorSource golden, boolean fromText) {
        PipelineInputs all = PipelineInputs.read(golden);
        Map<String, HostTensor> chosen = new LinkedHashMap<>();
        for (String name : all.names()) {
            if (!fromText || name.equals("latents_init") || name.startsWith("noise_step")) {
                chosen.put(name, all.get(name).orElseThrow());
            }
        }
        return new PipelineInputs(chosen);
    }

    @ParameterizedTest(name = "from text: {0}")
    @ValueSource(booleans = {true, false})
    void layoutJobMatchesTheReference(boolean fromText) {
        RegionalLayout layout = LayoutJson.read(layoutFile());
        String mode = fromText ? " (text)" : " (embeds)";
        try (Ops ops = newOps(); TensorSource golden = Fixtures.golden(GOLDEN);
             PixArtPipeline pipeline = PixArtPipeline.load(folder(), ops)) {
            assertThat(layout.control().untilT()).isEqualTo(Math.round(golden.floats("until_t")[0]));
            assertThat((float) layout.control().beta()).isEqualTo(golden.floats("beta_s")[0]).isEqualTo(golden.floats("beta_c")[0]);
            GenerationResult result = pipeline.generate(request(layout, inputs(golden, fromText)));
            assertThat(result.timesteps()).containsExactly(Fixtures.ints(golden.floats("timesteps")));
            assertThat(result.warnings()).isEmpty();
            for (int i = 0; i < 4; i++) {
                assertThat(reportedError(GOLDEN + " latents_step" + i + mode, result.latentsPerStep().get(i).values(),
                        golden.floats("latents_step" + i))).isLessThan(FP32_TOLERANCE);
            }
            assertThat(reportedError(GOLDEN + " decoded" + mode, result.decoded().values(), golden.floats("decoded")))
                    .isLessThan(FP32_TOLERANCE);
            assertThat(reportedError(GOLDEN + " image" + mode, result.images().getFirst().values(), golden.floats("image")))
                    .isLessThan(FP32_TOLERANCE);
            // The layout moved the result far beyond the tolerance, or the match above proves nothing.
            assertThat(Fixtures.relativeError(golden.floats("latents_step3"), golden.floats("plain_latents_step3")))
                    .isGreaterThan(1e-2);
        }
    }

    @Test
    void withoutTheLayoutTheSameCallIsThePlainPipeline() {
        try (Ops ops = newOps(); TensorSource golden = Fixtures.golden(GOLDEN);
             PixArtPipeline pipeline = PixArtPipeline.load(folder(), ops)) {
            PipelineInputs noise = inputs(golden, true);
            GenerationResult result = pipeline.generate(request(null, noise));
            for (int i = 0; i < 4; i++) {
                assertThat(reportedError(GOLDEN + " plain_latents_step" + i, result.latentsPerStep().get(i).values(),
                        golden.floats("plain_latents_step" + i))).isLessThan(FP32_TOLERANCE);
            }
            // A layout whose strength is 0 is the plain model: the same steps bit for bit.
            RegionalLayout off = LayoutJson.read(layoutFile()).withControl(new RegionalLayout.Control(0, 600, true,
                    RegionalLayout.Overlap.SMALLEST_WINS));
            GenerationResult zero = pipeline.generate(request(off, noise));
            for (int i = 0; i < 4; i++) {
                assertThat(zero.latentsPerStep().get(i).values()).containsExactly(result.latentsPerStep().get(i).values());
            }
        }
    }

    @Test
    void regionCaptionsAreEncodedInOneBatchOnTheirRealTokens() {
        RegionalLayout layout = LayoutJson.read(layoutFile());
        try (Ops ops = newOps(); TensorSource golden = Fixtures.golden(GOLDEN);
             PixArtPipeline pipeline = PixArtPipeline.load(folder(), ops)) {
            PixArtPipeline.RegionText text = pipeline.encodeRegionCaptions(layout.regionCaptions(),
                    List.of("background", "regions[0].caption", "regions[1].caption", "regions[2].caption"));
            assertThat(text.warnings()).isEmpty();
            for (int r = 0; r <= 3; r++) {
                assertThat(text.ids().get(r)).as("region " + r + " token ids")
                        .containsExactly(Fixtures.ints(golden.floats("region_input_ids_" + r)));
                assertThat(text.embeds().get(r).shape()).containsExactly(golden.info("region_embeds_" + r).intShape());
                assertThat(reportedError(GOLDEN + " region_embeds_" + r, text.embeds().get(r).values(),
                        golden.floats("region_embeds_" + r))).isLessThan(FP32_TOLERANCE);
            }
        }
    }
}
