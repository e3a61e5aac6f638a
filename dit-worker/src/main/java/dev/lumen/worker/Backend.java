package dev.lumen.worker;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.vulkan.VulkanOps;
import dev.lumen.engine.vulkan.VulkanUnavailableException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine backend a worker runs on: {@code cpu}, {@code vulkan} (start fails if no device), or
 * {@code auto} (Vulkan when a loader and device are present, else the CPU backend, logged).
 */
public enum Backend {
    CPU, VULKAN, AUTO;

    private static final Logger log = LoggerFactory.getLogger(Backend.class);

    /** Parses {@code cpu}, {@code vulkan} or {@code auto}, in any case. */
    public static Backend parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new WorkerConfigException("backend must be cpu, vulkan or auto, not '" + name + "'");
        }
    }

    /** Opens the backend; the caller owns (closes) the result. */
    Ops open() {
        return switch (this) {
            case CPU -> new CpuOps();
            case VULKAN -> VulkanOps.open();
            case AUTO -> {
                try {
                    yield VulkanOps.open();
                } catch (VulkanUnavailableException e) {
                    log.warn("backend=auto: Vulkan unavailable, using the CPU backend reason={}", e.getMessage());
                    yield new CpuOps();
                }
            }
        };
    }
}
