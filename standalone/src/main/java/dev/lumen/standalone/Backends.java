package dev.lumen.standalone;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;
import dev.lumen.engine.vulkan.VulkanUnavailableException;

/**
 * Opens the engine backend named on the command line: {@code cpu}, {@code vulkan} (fails with a
 * message naming what is missing), or {@code auto} (Vulkan when a loader and device are present,
 * otherwise the CPU backend, saying so).
 */
final class Backends {
    private Backends() {
    }

    static Ops open(String name) {
        return switch (name) {
            case "cpu" -> new CpuOps();
            case "vulkan" -> VulkanOps.open();
            case "auto" -> {
                try {
                    yield VulkanOps.open();
                } catch (VulkanUnavailableException e) {
                    System.err.println("lumen: Vulkan is not available (" + e.getMessage() + "); using the CPU backend");
                    yield new CpuOps();
                }
            }
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (cpu, vulkan or auto)");
        };
    }
}
