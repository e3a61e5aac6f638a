package dev.lumen.standalone;

import dev.lumen.engine.EngineBackends;
import dev.lumen.engine.ops.Ops;

/** Opens the engine backend named on the command line (see {@link EngineBackends}). */
final class Backends {
    private Backends() {
    }

    static Ops open(String name) {
        return EngineBackends.open(name, message -> System.err.println("lumen: " + message));
    }
}
