package dev.lumen.engine.sampling;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Locates the copied pixart-tiny fixture tree ({@code src/test/resources/pixart-tiny/}) on the test classpath. */
final class PixartTinyFixtures {
    private PixartTinyFixtures() {
    }

    /** A fixture file by its path relative to {@code pixart-tiny/}, e.g. {@code golden/pipeline_dpm4.safetensors}. */
    static Path path(String relative) {
        URL url = PixartTinyFixtures.class.getResource("/pixart-tiny/" + relative);
        if (url == null) {
            throw new IllegalStateException("test fixture pixart-tiny/" + relative + " is not on the classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path dpmConfig() {
        return path("model/scheduler/scheduler_config.json");
    }

    static Path lcmConfig() {
        return path("model/scheduler-lcm/scheduler_config.json");
    }
}
