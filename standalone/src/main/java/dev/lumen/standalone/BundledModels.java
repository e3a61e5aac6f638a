package dev.lumen.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The models that ship in the repository, found under $LUMEN_HOME (set by ./lumen): the demo
 * models, which draw coloured shapes, and the tiny random-weight test model. The demo comes as
 * PixArt-α and PixArt-LCM are published: {@code shapes-demo} (DPM-Solver++, 20 steps with
 * classifier-free guidance) and {@code shapes-demo-lcm}, consistency-distilled from it (4 LCM steps,
 * guidance baked in), which is the default: as good on the eval set at a fifth of the steps.
 */
final class BundledModels {
    /** The trained demo model, sampled with DPM-Solver++. */
    static final String DEMO_NAME = "shapes-demo";
    /** Distilled from {@link #DEMO_NAME}: what runs when no model is given. */
    static final String DEMO_LCM_NAME = "shapes-demo-lcm";
    /** What {@code ./lumen serve} serves without --model, the default first. */
    static final List<String> SERVED_BY_DEFAULT = List.of(DEMO_LCM_NAME, DEMO_NAME);

    private BundledModels() {
    }

    static Path home() {
        return Path.of(System.getenv().getOrDefault("LUMEN_HOME", "."));
    }

    /** models/shapes-demo-lcm: the default model (PixArt-α architecture, trained by training/). */
    static Path demo() {
        return bundled(DEMO_LCM_NAME);
    }

    /** models/{@code name}. */
    static Path bundled(String name) {
        return bundled(home(), name);
    }

    static Path bundled(Path home, String name) {
        return home.resolve("models").resolve(name);
    }

    /** The default model's folder, or an error that says where it was looked for. */
    static Path requireDemo() {
        return requireBundled(DEMO_LCM_NAME);
    }

    /** A bundled model's folder, or an error that says where it was looked for. */
    static Path requireBundled(String name) {
        return requireBundled(home(), name);
    }

    static Path requireBundled(Path home, String name) {
        Path folder = bundled(home, name);
        if (!Files.isRegularFile(folder.resolve("model_index.json"))) {
            throw new IllegalArgumentException("no --model given and the bundled model " + name + " is missing at "
                    + folder.toAbsolutePath() + " (run ./lumen from a clone of the repository, or pass --model)");
        }
        return folder;
    }

    /**
     * One line on what a model draws, from its eval/domain.json when it has one (the demo model
     * does); empty for other models.
     */
    static String describe(Path folder) {
        Path domain = folder.resolve("eval").resolve("domain.json");
        if (!Files.isRegularFile(domain)) {
            return "";
        }
        try {
            JsonNode d = JsonMapper.builder().build().readTree(Files.readString(domain));
            List<String> colours = new ArrayList<>();
            d.get("colours").propertyNames().forEach(colours::add);
            List<String> shapes = new ArrayList<>();
            d.get("shapes").forEach(s -> shapes.add(s.asString()));
            return "It draws " + d.get("width").asInt() + "x" + d.get("height").asInt()
                    + " pictures of one to three " + String.join("/", colours) + " " + String.join("/", shapes)
                    + "s, small or large, placed on a 3x3 grid (top left … bottom right) or relative to each other "
                    + "(left of, right of, above, below), e.g. \"a large red circle in the top left\" or "
                    + "\"a blue square above a yellow triangle\". See " + folder.resolve("README.md") + ".";
        } catch (IOException e) {
            throw new UncheckedIOException(domain + ": " + e.getMessage(), e);
        }
    }
}
