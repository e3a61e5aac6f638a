package dev.lumen.engine.density;

import dev.lumen.contracts.density.DensityPresetName;
import dev.lumen.engine.ops.TokenPooling;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The named token-density plans (research note token-density.md §3.3, docs/adr/0009). Each gives a
 * block pattern per band of timesteps; the four bands are centred on PixArt-LCM's 4-step timesteps
 * (999, 759, 499, 259: bands [880, 1000), [630, 880), [380, 630), [0, 380)), so a preset means the
 * same at 2 LCM steps (999, 499: bands 1 and 3) or 20 DPM-Solver steps.
 *
 * <p>Patterns are written for PixArt-XL's 28 blocks and scaled to a model of L blocks (block b of
 * 28 starts at round(b·L/28)); coarse blocks never reach the last two blocks:
 * <ul>
 *   <li>P1: kv_pool(s=2, avg) in blocks 14–27 (PixArt-Σ's choice of blocks);</li>
 *   <li>P2: kv_pool(s=2, avg) in blocks 2–27;</li>
 *   <li>P3: kv_pool(s=4, avg) in 4–23, kv_pool(s=2, avg) in 2–3 and 24–27;</li>
 *   <li>P4: mean_v in 0–1; blocks 2–25 in groups of three coarse(s=2), coarse(s=2), kv_pool(s=2);
 *       26–27 dense.</li>
 * </ul>
 * The offered presets are the ones {@link DensityPresetName} lists for requests; whether one is
 * {@linkplain #experimental() experimental} (it missed its measured quality bar) is said there, not
 * here. Separately, {@link #targetFractionMayPick()} says whether a target fraction may choose it,
 * which depends on its operators only. They thin the early (noisy) steps most, as FlexDiT does;
 * their mirrors thin the late steps instead and exist for {@code lumen bench density}, because
 * training-free evidence on the direction is split (note §2.2 item 4).
 */
public enum DensityPreset {
    FULL("full", true, true, Pattern.DENSE, Pattern.DENSE, Pattern.DENSE, Pattern.DENSE),
    HIGH("high", true, true, Pattern.P1, Pattern.P1, Pattern.P1, Pattern.P1),
    BALANCED("balanced", true, true, Pattern.P2, Pattern.P2, Pattern.P2, Pattern.P1),
    LOW("low", true, true, Pattern.P3, Pattern.P3, Pattern.P2, Pattern.P1),
    /** FlexDiT-like: mean_v and coarse blocks make no pixel-fidelity promise, so no target fraction picks it. */
    MINIMAL("minimal", true, false, Pattern.P4, Pattern.P4, Pattern.P3, Pattern.P2),
    BALANCED_MIRROR("balanced-mirror", false, true, Pattern.P1, Pattern.P2, Pattern.P2, Pattern.P2),
    LOW_MIRROR("low-mirror", false, true, Pattern.P1, Pattern.P2, Pattern.P3, Pattern.P3),
    MINIMAL_MIRROR("minimal-mirror", false, false, Pattern.P2, Pattern.P3, Pattern.P4, Pattern.P4);

    /** Lower timestep bounds of the bands, noisiest first. */
    private static final int[] BAND_FROM = {880, 630, 380, 0};
    private static final int REFERENCE_BLOCKS = 28;

    private final String label;
    private final boolean offered;
    private final boolean targetFractionMayPick;
    private final Pattern[] bands;

    DensityPreset(String label, boolean offered, boolean targetFractionMayPick, Pattern... bands) {
        this.label = label;
        this.offered = offered;
        this.targetFractionMayPick = targetFractionMayPick;
        this.bands = bands;
    }

    public String label() {
        return label;
    }

    /** Whether requests may name it (the mirrors are benchmark plans). */
    public boolean offered() {
        return offered;
    }

    /**
     * Whether a target fraction may run this preset: only presets whose operators pool keys and
     * values and keep every query and the dense residual stream ({@code kv_pool}); not those with
     * {@code mean_v} or {@code coarse} blocks, which make no pixel-fidelity promise. A client asking
     * for a fraction asked for a cost, not for those operators. This is a property of the
     * operators, not of measured quality: see {@link #experimental()}.
     */
    public boolean targetFractionMayPick() {
        return targetFractionMayPick;
    }

    /**
     * Whether the preset is experimental: it missed its measured quality bar, as the contracts'
     * {@link DensityPresetName#experimental()} says for the offered presets. A mirror is what its
     * preset is: it was measured only beside it, against no bar of its own.
     */
    public boolean experimental() {
        return DensityPresetName.byName(offered ? label : mirror().label).experimental();
    }

    /** The mirror plan of this preset (thinning late steps instead of early ones); itself where the bands agree. */
    public DensityPreset mirror() {
        return switch (this) {
            case BALANCED -> BALANCED_MIRROR;
            case LOW -> LOW_MIRROR;
            case MINIMAL -> MINIMAL_MIRROR;
            case BALANCED_MIRROR -> BALANCED;
            case LOW_MIRROR -> LOW;
            case MINIMAL_MIRROR -> MINIMAL;
            default -> this;
        };
    }

    /** The operator of every block of an L-block model at timestep t. */
    public TokenOperator[] operators(int timestep, int layers) {
        int band = 0;
        while (band < BAND_FROM.length - 1 && timestep < BAND_FROM[band]) {
            band++;
        }
        return bands[band].operators(layers);
    }

    /** An offered preset by the name a request gives (any case), through the contracts' list of names. */
    public static DensityPreset byName(String name) {
        return of(DensityPresetName.byName(name));
    }

    /** The preset a request names. */
    public static DensityPreset of(DensityPresetName name) {
        return byLabel(name.label());
    }

    /** Any preset, mirrors included, by its label (for benchmarks). */
    public static DensityPreset byLabel(String label) {
        for (DensityPreset p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no density preset \"" + label + "\" (presets and mirrors: "
                + Arrays.stream(values()).map(DensityPreset::label).collect(Collectors.joining(", ")) + ")");
    }

    /** Block patterns on the 28-block reference model. */
    private enum Pattern {
        DENSE, P1, P2, P3, P4;

        TokenOperator[] operators(int layers) {
            TokenOperator[] ops = new TokenOperator[layers];
            Arrays.fill(ops, TokenOperator.DENSE);
            TokenOperator kv2 = new TokenOperator.KvPool(2, TokenPooling.AVG);
            switch (this) {
                case DENSE -> {
                }
                case P1 -> fill(ops, first(14, layers), last(27, layers), kv2);
                case P2 -> fill(ops, first(2, layers), last(27, layers), kv2);
                case P3 -> {
                    fill(ops, first(2, layers), last(27, layers), kv2);
                    fill(ops, first(4, layers), last(23, layers), new TokenOperator.KvPool(4, TokenPooling.AVG));
                }
                case P4 -> {
                    int meanEnd = last(1, layers);
                    fill(ops, 0, meanEnd, new TokenOperator.MeanV());
                    int groupEnd = Math.min(last(25, layers), layers - 3);
                    TokenOperator coarse = new TokenOperator.Coarse(2);
                    for (int b = meanEnd + 1; b <= groupEnd; b++) {
                        ops[b] = (b - meanEnd - 1) % 3 == 2 ? kv2 : coarse;
                    }
                }
            }
            return ops;
        }

        private static int first(int block, int layers) {
            return (int) Math.round((double) block * layers / REFERENCE_BLOCKS);
        }

        private static int last(int block, int layers) {
            return (int) Math.round((double) (block + 1) * layers / REFERENCE_BLOCKS) - 1;
        }

        private static void fill(TokenOperator[] ops, int from, int to, TokenOperator op) {
            for (int b = Math.max(0, from); b <= Math.min(ops.length - 1, to); b++) {
                ops[b] = op;
            }
        }
    }
}
