package dev.lumen.contracts.density;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The token-density presets a request may name (docs/adr/0009 and 0015). What each one runs is the
 * engine's business ({@code dev.lumen.engine.density.DensityPreset} holds the block patterns); this
 * is the vocabulary every service agrees on, and the one place that says which presets are
 * {@linkplain #experimental() experimental}.
 */
public enum DensityPresetName {
    FULL("full", false),
    HIGH("high", true),
    BALANCED("balanced", true),
    LOW("low", true),
    MINIMAL("minimal", true);

    /**
     * What {@link #experimental()} means, for warnings and API descriptions: the preset ran in
     * {@code ./lumen bench density} and missed issue 9's bar for it (ADR 9, "Measured quality and
     * status").
     */
    public static final String EXPERIMENTAL_MEANS = "it missed its quality bar on the demo model "
            + "(docs/adr/0009-token-density-operators-and-plans.md)";

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

    /**
     * Whether the preset missed its measured quality bar (PSNR, SSIM and adherence against dense
     * sampling, issue 9) in {@code ./lumen bench density}: it still runs when asked for, and the API,
     * the command line and the docs say it is experimental. {@code full} is the dense model itself.
     * This is not what a target fraction may pick: that is the engine's question of operators
     * ({@code DensityPreset.targetFractionMayPick()}).
     */
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
