package dev.lumen.standalone;

import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TokenDensity;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --token-density} on the command line: a preset name, a fraction, or a rules JSON file. */
final class DensityArguments {
    private DensityArguments() {
    }

    /** A file (any existing path, or a name ending in .json) is read as JSON; anything else is a preset or a fraction. */
    static TokenDensity parse(String value) throws IOException {
        if (value == null) {
            return TokenDensity.FULL;
        }
        Path file = Path.of(value);
        if (Files.isRegularFile(file)) {
            return TokenDensity.fromJson(Files.readString(file));
        }
        if (value.endsWith(".json")) {
            throw new IllegalArgumentException("--token-density file " + value + " does not exist");
        }
        return TokenDensity.parse(value);
    }

    /** The compiled plan, one line per step, and its FLOP fraction. */
    static void print(DensityReport report, PrintStream out) {
        out.println("token density " + report.summary());
        for (String line : report.plan().describe()) {
            out.println("  " + line);
        }
    }
}
