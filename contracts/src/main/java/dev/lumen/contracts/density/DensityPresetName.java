package dev.lumen.contracts.density;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The token-density presets a request may name (docs/adr/0009 and 0015). What each one runs is the
 * engine's business ({@code dev.lumen.engine.density.DensityPreset} holds the block patterns); this
 * is the vocabulary every service agrees on. {@code minimal} is experimental: its operators
 * (mean_v, coarse) make no pixel-fidelity promise, and a target fraction never picks it.
 */
public enum DensityPresetName {
    FULL("full", false),
    HIGH("high", false),
    BALANCED("balanced", false),
    LOW("low", false),
    MINIMAL("minimal", true);

    private final String label;
    private final boolean experimental;

    DensityPresetName(String label, boolean experimental) {
        this.label = label;
        this.experimental = experimental;
    }

    /** The name on the wire and in the API, e.g. {@code balanced}. */
    public String label() {
        return label;
    }

    public boolean experimental() {
        return experimental;
    }

    /** A preset by name, ignoring case and surrounding blanks (the command line's convenience). */
    public static DensityPresetName byName(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        for (DensityPresetName p : values()) {
            if (p.label.equals(key)) {
                return p;
            }
        }
        throw new InvalidDensityException(TokenDensitySpec.FIELD, "token_density \"" + clip(name) + "\" is not a preset; use one of "
                + names() + ", a number in (0, 1] or {\"rules\": [...]}");
    }

    /** {@code full, high, balanced, low, minimal}. */
    public static String names() {
        return Arrays.stream(values()).map(DensityPresetName::label).collect(Collectors.joining(", "));
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
