package dev.lumen.engine.density;

import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;

/** {@link DensityGoldenTest} on the Vulkan backend (lavapipe on machines without a GPU); fails if Vulkan is missing. */
class VulkanDensityGoldenTest extends DensityGoldenTest {
    @Override
    protected Ops newOps() {
        return VulkanOps.open();
    }
}
