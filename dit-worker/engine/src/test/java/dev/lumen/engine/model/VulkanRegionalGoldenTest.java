package dev.lumen.engine.model;

import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;

/** {@link RegionalGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if Vulkan is missing. */
class VulkanRegionalGoldenTest extends RegionalGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }
}
