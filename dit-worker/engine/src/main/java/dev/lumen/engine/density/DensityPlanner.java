package dev.lumen.engine.density;

import dev.lumen.contracts.density.DensityPresetName;
import dev.lumen.contracts.density.InvalidDensityException;
import java.util.Locale;

/**
 * Compiles a request's {@link TokenDensity} into the {@link DensityPlan} of one run: its timesteps
 * (from the sampler) and its model (block count and token grid, through {@link TransformerFlops}).
 * Rules are checked against the model here (block ranges, coarse blocks out of the last two), and
 * errors name the rule.
 */
public final class DensityPlanner {
    /** Coarse blocks are refused in this many final blocks: their update is the output's detail. */
    static final int DENSE_TAIL_FOR_COARSE = 2;

    private DensityPlanner() {
    }

    public static DensityPlan compile(TokenDensity density, int[] timesteps, TransformerFlops flops) {
        int layers = flops.layers();
        return switch (density) {
            case TokenDensity.Preset p -> preset(p.preset(), timesteps, layers);
            case TokenDensity.TargetFraction f -> cheapestKeeping(f.fraction(), timesteps, flops);
            case TokenDensity.Rules r -> rules(r, timesteps, layers);
        };
    }

    /** A preset (mirrors included) for these timesteps, experimental as the preset is. */
    public static DensityPlan preset(DensityPreset preset, int[] timesteps, int layers) {
        if (preset == DensityPreset.FULL) {
            return DensityPlan.dense("preset full", timesteps, layers);
        }
        TokenOperator[][] ops = new TokenOperator[timesteps.length][];
        for (int s = 0; s < timesteps.length; s++) {
            ops[s] = preset.operators(timesteps[s], layers);
        }
        String source = "preset " + preset.label();
        return new DensityPlan(source, timesteps, ops, preset.experimental() ? presetNote(preset, source) : null);
    }

    /** Why a plan of an experimental preset is experimental: what the contracts' mark means (a mirror is its preset's). */
    private static String presetNote(DensityPreset preset, String source) {
        return "token density " + source + " is experimental: " + (preset.offered() ? DensityPresetName.EXPERIMENTAL_MEANS
                : "it mirrors preset " + preset.mirror().label() + ", which is experimental");
    }

    /**
     * The offered preset a target fraction may pick ({@link DensityPreset#targetFractionMayPick()}:
     * never {@code minimal}) with the smallest FLOP fraction that is still ≥ {@code target}. Whether
     * that preset is experimental does not enter the choice (all but {@code full} are today, and a
     * fraction must still buy something); the plan carries it, so the report says so.
     */
    private static DensityPlan cheapestKeeping(double target, int[] timesteps, TransformerFlops flops) {
        double dense = flops.denseRun(timesteps.length);
        DensityPreset best = DensityPreset.FULL;
        double bestFraction = 1;
        for (DensityPreset p : DensityPreset.values()) {
            if (!p.offered() || !p.targetFractionMayPick()) {
                continue;
            }
            double fraction = flops.run(preset(p, timesteps, flops.layers())) / dense;
            if (fraction >= target && fraction < bestFraction) {
                best = p;
                bestFraction = fraction;
            }
        }
        DensityPlan plan = preset(best, timesteps, flops.layers());
        String source = String.format(Locale.ROOT, "fraction %.3f → preset %s", target, best.label());
        return new DensityPlan(source, timesteps, rows(plan), plan.experimental() ? presetNote(best, source) : null);
    }

    private static DensityPlan rules(TokenDensity.Rules rules, int[] timesteps, int layers) {
        for (DensityRule r : rules.rules()) {
            if (r.lastBlock() != DensityRule.LAST && r.lastBlock() >= layers) {
                throw new InvalidDensityException(r.field("blocks"), r.name() + ": blocks " + r.firstBlock() + "-"
                        + r.lastBlock() + " outside this model's blocks 0-" + (layers - 1));
            }
            if (r.firstBlock() >= layers) {
                throw new InvalidDensityException(r.field("blocks"), r.name() + ": block " + r.firstBlock()
                        + " outside this model's blocks 0-" + (layers - 1));
            }
            if (r.operator() instanceof TokenOperator.Coarse
                    && Math.min(r.lastBlock(), layers - 1) >= layers - DENSE_TAIL_FOR_COARSE) {
                throw new InvalidDensityException(r.field("blocks"), r.name() + ": coarse is not allowed in the last "
                        + DENSE_TAIL_FOR_COARSE
                        + " blocks (" + (layers - DENSE_TAIL_FOR_COARSE) + "-" + (layers - 1)
                        + "): their update is the image's fine detail");
            }
        }
        TokenOperator[][] ops = new TokenOperator[timesteps.length][layers];
        for (int s = 0; s < timesteps.length; s++) {
            for (int b = 0; b < layers; b++) {
                TokenOperator op = TokenOperator.DENSE;
                for (DensityRule r : rules.rules()) {
                    if (r.matches(timesteps[s], b)) {
                        op = r.operator(); // the last matching rule wins
                    }
                }
                ops[s][b] = op;
            }
        }
        String note = rules.rules().stream().filter(DensityRule::experimentalOp).findFirst()
                .map(r -> "token density rules are experimental: " + r.name()
                        + " runs an op that needs \"experimental\": true (no fidelity measured)")
                .orElse(null);
        return new DensityPlan(rules.describe(), timesteps, ops, note);
    }

    private static TokenOperator[][] rows(DensityPlan plan) {
        TokenOperator[][] ops = new TokenOperator[plan.steps()][];
        for (int s = 0; s < ops.length; s++) {
            ops[s] = plan.step(s);
        }
        return ops;
    }
}
