package dev.lumen.engine.pipeline;

import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;

/** {@link PipelineGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if Vulkan is missing. */
class VulkanPipelineGoldenTest extends PipelineGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }
}
