package dev.lumen.engine.density;

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

    /** A preset (mirrors included) for these timesteps. */
    public static DensityPlan preset(DensityPreset preset, int[] timesteps, int layers) {
        if (preset == DensityPreset.FULL) {
            return DensityPlan.dense("preset full", timesteps, layers);
        }
        TokenOperator[][] ops = new TokenOperator[timesteps.length][];
        for (int s = 0; s < timesteps.length; s++) {
            ops[s] = preset.operators(timesteps[s], layers);
        }
        return new DensityPlan("preset " + preset.label(), timesteps, ops);
    }

    /** The offered, non-experimental preset with the smallest FLOP fraction that is still ≥ {@code target}. */
    private static DensityPlan cheapestKeeping(double target, int[] timesteps, TransformerFlops flops) {
        double dense = flops.denseRun(timesteps.length);
        DensityPreset best = DensityPreset.FULL;
        double bestFraction = 1;
        for (DensityPreset p : DensityPreset.values()) {
            if (!p.offered() || p.experimental()) {
                continue;
            }
            double fraction = flops.run(preset(p, timesteps, flops.layers())) / dense;
            if (fraction >= target && fraction < bestFraction) {
                best = p;
                bestFraction = fraction;
            }
        }
        DensityPlan plan = preset(best, timesteps, flops.layers());
        return new DensityPlan(String.format(Locale.ROOT, "fraction %.3f → preset %s", target, best.label()), timesteps,
                rows(plan));
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
        return new DensityPlan(rules.describe(), timesteps, ops);
    }

    private static TokenOperator[][] rows(DensityPlan plan) {
        TokenOperator[][] ops = new TokenOperator[plan.steps()][];
        for (int s = 0; s < ops.length; s++) {
            ops[s] = plan.step(s);
        }
        return ops;
    }
}
