package dev.lumen.engine;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.DeviceCapabilities;
import dev.lumen.engine.vulkan.VulkanOps;
import dev.lumen.engine.vulkan.VulkanUnavailableException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Opens an engine backend by name: {@code cpu}, {@code vulkan} (fails with a message naming what is
 * missing), or {@code auto}: a Vulkan GPU when one is present, otherwise the CPU backend, saying
 * why. {@code auto} skips CPU-type Vulkan devices (Mesa's lavapipe): they emulate a GPU on the same
 * cores the CPU backend uses directly, and are there for testing the Vulkan path, not for serving;
 * name {@code vulkan} to use one anyway.
 */
public final class EngineBackends {
    private EngineBackends() {
    }

    public static Ops open(String name, Consumer<String> warn) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "cpu" -> new CpuOps();
            case "vulkan" -> VulkanOps.open();
            case "auto" -> openAuto(warn);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (cpu, vulkan or auto)");
        };
    }

    private static Ops openAuto(Consumer<String> warn) {
        VulkanOps vulkan;
        try {
            vulkan = VulkanOps.open();
        } catch (VulkanUnavailableException e) {
            warn.accept("Vulkan is not available (" + e.getMessage() + "); using the CPU backend");
            return new CpuOps();
        }
        if (vulkan.capabilities().type() == DeviceCapabilities.DeviceType.CPU) {
            warn.accept("the only Vulkan device is " + vulkan.capabilities().name()
                    + ", a CPU implementation; using the CPU backend (choose --backend vulkan to use it)");
            vulkan.close();
            return new CpuOps();
        }
        return vulkan;
    }
}
