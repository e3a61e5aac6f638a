package dev.lumen.engine.model;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.RegionMap;
import dev.lumen.engine.layout.RegionalLayout.Box;
import dev.lumen.engine.model.pixart.CaptionContext;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.model.pixart.RegionalContext;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import dev.lumen.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regional attention in the transformer (layout.md §3.4) against the goldens of an independent
 * reference on the diffusers model ({@code golden/regional_*.safetensors}, README "Regional
 * attention"): every batch row regional, the token map computed here from the golden's boxes by
 * {@link RegionMap} (and checked against the golden's own), the region captions' T5 outputs given.
 * On the CPU backend; {@link VulkanRegionalGoldenTest} runs the same on Vulkan.
 */
class RegionalGoldenTest {
    private static final double FP32_TOLERANCE = 1e-4;
    private Ops ops;
    private TensorSource weights;
    private PixArtTransformer model;

    protected Ops newOps() {
        return new CpuOps();
    }

    @BeforeEach
    void load() {
        ops = newOps();
        Path dir = Fixtures.model().resolve("transformer-noac");
        weights = TensorSource.open(dir.resolve("diffusion_pytorch_model.safetensors"));
        model = new PixArtTransformer(PixArtConfig.read(dir.resolve("config.json")), weights, ops);
    }

    @AfterEach
    void close() {
        weights.close();
        ops.close();
    }

    /** The golden's boxes mapped onto its token grid by this engine's rule. */
    static int[] regionIds(TensorSource golden) {
        float[] b = golden.floats("boxes");
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < b.length; i += 4) {
            boxes.add(new Box(b[i], b[i + 1], b[i + 2], b[i + 3]));
        }
        int[] grid = golden.info("region_ids").intShape();
        return RegionMap.of(boxes, grid[0], grid[1]).ids();
    }

    static List<Tensor> regionEmbeds(Ops ops, TensorSource golden, int regions) {
        List<Tensor> out = new ArrayList<>();
        for (int r = 0; r < regions; r++) {
            String name = "region_embeds_" + r;
            out.add(ops.fromHost(golden.floats(name), golden.info(name).intShape()));
        }
        return out;
    }

    private float[] run(TensorSource golden, boolean regionalOn, float betaSelf, float betaCross) {
        int[] es = golden.info("encoder_hidden_states").intShape();
        CaptionContext caption = model.prepareCaption(ops.fromHost(golden.floats("encoder_hidden_states"), es),
                golden.floats("encoder_attention_mask"));
        int[] shape = golden.info("hidden_states").intShape();
        var conditioning = model.condition(golden.floats("timestep"), null, null);
        RegionalContext regional = null;
        if (regionalOn) {
            int[] ids = regionIds(golden);
            int[] grid = golden.info("region_ids").intShape();
            int regions = golden.floats("boxes").length / 4 + 1;
            regional = model.prepareRegions(regionEmbeds(ops, golden, regions), ids, grid[0], grid[1], 0, shape[0],
                    betaSelf, betaCross);
        }
        return ops.toHost(model.forward(ops.fromHost(golden.floats("hidden_states"), shape), caption, conditioning, regional));
    }

    @ParameterizedTest
    @ValueSource(strings = {"regional_r1", "regional_r3_overlap", "regional_rect"})
    void regionalTransformerMatchesTheReference(String file) {
        try (TensorSource golden = Fixtures.golden(file + ".safetensors")) {
            assertThat(regionIds(golden)).as("token map of the golden's boxes")
                    .containsExactly(Fixtures.ints(golden.floats("region_ids")));
            float betaSelf = golden.floats("beta_s")[0];
            float betaCross = golden.floats("beta_c")[0];
            float[] out = run(golden, true, betaSelf, betaCross);
            float[] plain = run(golden, false, 1, 1);
            assertThat(reportedError(file + " output", out, golden.floats("output"))).isLessThan(FP32_TOLERANCE);
            assertThat(reportedError(file + " output_plain", plain, golden.floats("output_plain"))).isLessThan(FP32_TOLERANCE);
            // The layout must matter far beyond the tolerance, or the comparison above proves nothing.
            assertThat(Fixtures.relativeError(golden.floats("output"), golden.floats("output_plain"))).isGreaterThan(1e-2);
        }
    }

    @Test
    void swappingTheTwoBaseRatiosMissesTheGolden() {
        try (TensorSource golden = Fixtures.golden("regional_r3_overlap.safetensors")) {
            float[] swapped = run(golden, true, golden.floats("beta_c")[0], golden.floats("beta_s")[0]);
            assertThat(Fixtures.relativeError(swapped, golden.floats("output"))).isGreaterThan(1e-3);
        }
    }

    @Test
    void baseRatiosOfOneGiveThePlainModelBitForBit() {
        try (TensorSource golden = Fixtures.golden("regional_rect.safetensors")) {
            assertThat(run(golden, true, 1, 1)).containsExactly(run(golden, false, 1, 1));
        }
    }

    @Test
    void rowsOutsideTheRegionalRangeAreThePlainModelsBitForBit() {
        try (TensorSource golden = Fixtures.golden("regional_r3_overlap.safetensors")) {
            int[] es = golden.info("encoder_hidden_states").intShape();
            CaptionContext caption = model.prepareCaption(ops.fromHost(golden.floats("encoder_hidden_states"), es),
                    golden.floats("encoder_attention_mask"));
            int[] shape = golden.info("hidden_states").intShape();
            int[] grid = golden.info("region_ids").intShape();
            var conditioning = model.condition(golden.floats("timestep"), null, null);
            // Row 1 only, as the conditional half of a CFG batch [unconditional, conditional].
            RegionalContext regional = model.prepareRegions(regionEmbeds(ops, golden, 4), regionIds(golden), grid[0], grid[1],
                    1, 1, golden.floats("beta_s")[0], golden.floats("beta_c")[0]);
            float[] out = ops.toHost(model.forward(ops.fromHost(golden.floats("hidden_states"), shape), caption, conditioning,
                    regional));
            float[] plain = run(golden, false, 1, 1);
            int half = out.length / 2;
            float[] ref = golden.floats("output");
            for (int i = 0; i < half; i++) {
                assertThat(out[i]).as("unconditional row, element " + i).isEqualTo(plain[i]);
            }
            assertThat(reportedError("regional_r3_overlap row 1 alone",
                    java.util.Arrays.copyOfRange(out, half, out.length), java.util.Arrays.copyOfRange(ref, half, ref.length)))
                    .isLessThan(FP32_TOLERANCE);
        }
    }
}
