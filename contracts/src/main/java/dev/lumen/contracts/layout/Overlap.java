package dev.lumen.contracts.layout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * How image tokens covered by several boxes are assigned ({@code layout.md} §3.3–§3.4):
 * {@code smallest-wins} gives each token to the smallest covering box (a partition; the default),
 * {@code union} lets a token attend to every covering region's caption.
 */
public enum Overlap {
    SMALLEST_WINS, UNION;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value of a wire name, or {@code null} if there is none. */
    public static Overlap fromWire(String wire) {
        return Arrays.stream(values()).filter(o -> o.wire().equals(wire)).findFirst().orElse(null);
    }

    @JsonCreator
    public static Overlap read(String wire) {
        Overlap o = fromWire(wire);
        if (o == null) {
            throw new IllegalArgumentException("unknown overlap \"" + wire + "\"; known: " + wireNames());
        }
        return o;
    }

    public static java.util.List<String> wireNames() {
        return Arrays.stream(values()).map(Overlap::wire).toList();
    }
}
