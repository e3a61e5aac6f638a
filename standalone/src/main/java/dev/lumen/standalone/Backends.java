package dev.lumen.standalone;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.ops.Ops;

/** Opens the engine backend named on the command line. */
final class Backends {
    private Backends() {
    }

    static Ops open(String name) {
        return switch (name) {
            case "cpu" -> new CpuOps();
            case "vulkan" -> throw new IllegalArgumentException(
                    "the Vulkan backend is not available in this build yet; use --backend cpu");
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (cpu or vulkan)");
        };
    }
}
