package dev.lumen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.pixart.CaptionContext;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.model.pixart.RegionalContext;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.testing.Fixtures;
import dev.lumen.engine.vulkan.VulkanOps;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link RegionalGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if
 * Vulkan is missing. Also checks that regional attention keeps the execution model: a regional
 * forward is still one submission, and steps after the first allocate no device memory.
 */
class VulkanRegionalGoldenTest extends RegionalGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }

    @Test
    void regionalForwardIsOneSubmissionAndStepsReuseMemory() {
        Path dir = Fixtures.model().resolve("transformer-noac");
        try (VulkanOps vk = VulkanOps.open();
             TensorSource weights = TensorSource.open(dir.resolve("diffusion_pytorch_model.safetensors"));
             TensorSource golden = Fixtures.golden("regional_r3_overlap.safetensors")) {
            PixArtTransformer model = new PixArtTransformer(PixArtConfig.read(dir.resolve("config.json")), weights, vk);
            CaptionContext caption = model.prepareCaption(
                    vk.fromHost(golden.floats("encoder_hidden_states"), 2, 12, 32), golden.floats("encoder_attention_mask"));
            RegionalContext regional = model.prepareRegions(regionEmbeds(vk, golden, 4), regionIds(golden), 8, 8, 0, 2,
                    golden.floats("beta_s")[0], golden.floats("beta_c")[0]);
            int[] shape = golden.info("hidden_states").intShape();
            float[] first = null;
            long allocationsAfterFirstStep = -1;
            for (int step = 0; step < 3; step++) {
                try (Ops.Scope scope = vk.scope()) {
                    var conditioning = model.condition(golden.floats("timestep"), null, null);
                    vk.flush();
                    long before = vk.submissions();
                    float[] out = vk.toHost(model.forward(vk.fromHost(golden.floats("hidden_states"), shape), caption,
                            conditioning, regional));
                    assertThat(vk.submissions()).as("submissions of one regional forward").isEqualTo(before + 1);
                    if (first == null) {
                        first = out;
                    } else {
                        assertThat(out).containsExactly(first);
                    }
                }
                if (step == 0) {
                    allocationsAfterFirstStep = vk.poolAllocations();
                }
            }
            assertThat(vk.poolAllocations()).as("device buffers created after the first step")
                    .isEqualTo(allocationsAfterFirstStep);
        }
    }
}
