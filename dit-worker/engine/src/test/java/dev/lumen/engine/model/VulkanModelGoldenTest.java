package dev.lumen.engine.model;

import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;

/** {@link ModelGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if Vulkan is missing. */
class VulkanModelGoldenTest extends ModelGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }
}
