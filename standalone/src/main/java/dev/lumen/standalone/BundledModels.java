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
 * The models that ship in the repository, found under $LUMEN_HOME (set by ./lumen): the trained
 * demo model, which draws coloured shapes and is the default, and the tiny random-weight test model.
 */
final class BundledModels {
    static final String DEMO_NAME = "shapes-demo";

    private BundledModels() {
    }

    static Path home() {
        return Path.of(System.getenv().getOrDefault("LUMEN_HOME", "."));
    }

    /** models/shapes-demo: PixArt-α architecture trained by training/ on the shapes domain. */
    static Path demo() {
        return home().resolve("models").resolve(DEMO_NAME);
    }

    /** The demo model's folder, or an error that says where it was looked for. */
    static Path requireDemo() {
        Path folder = demo();
        if (!Files.isRegularFile(folder.resolve("model_index.json"))) {
            throw new IllegalArgumentException("no --model given and the bundled demo model is missing at "
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
