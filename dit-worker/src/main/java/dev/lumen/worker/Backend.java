package dev.lumen.worker;

import dev.lumen.engine.EngineBackends;
import dev.lumen.engine.ops.Ops;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine backend a worker runs on: {@code cpu}, {@code vulkan} (start fails if no device), or
 * {@code auto} (a Vulkan GPU when present, else the CPU backend, logged; see EngineBackends).
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
        return EngineBackends.open(name(), message -> log.warn("backend={}: {}", name().toLowerCase(Locale.ROOT), message));
    }
}
