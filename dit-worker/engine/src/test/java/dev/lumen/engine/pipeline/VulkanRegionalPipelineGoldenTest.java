package dev.lumen.engine.pipeline;

import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;

/** {@link RegionalPipelineGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if Vulkan is missing. */
class VulkanRegionalPipelineGoldenTest extends RegionalPipelineGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }
}
