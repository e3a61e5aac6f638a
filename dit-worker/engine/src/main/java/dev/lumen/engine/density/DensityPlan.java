package dev.lumen.engine.density;

import dev.lumen.engine.ops.TokenGrid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * A compiled token-density plan: the operator of every (denoising step, transformer block) of one
 * run, with the request it came from and, when that request is experimental (an experimental
 * preset, named or picked for a fraction, or a rule whose op needs {@code "experimental": true}),
 * a note saying so and why; {@link DensityPlanner} writes it, since only it sees the request. The
 * same row serves both halves of a classifier-free guidance batch and every batch item: operators
 * act on each batch row's own token grid.
 */
public final class DensityPlan {
    private final String source;
    private final int[] timesteps;
    private final TokenOperator[][] operators;
    private final String experimentalNote;

    /** {@code experimentalNote}: why the plan is experimental, e.g. {@code token density preset high is experimental: …}; null if it is not. */
    public DensityPlan(String source, int[] timesteps, TokenOperator[][] operators, String experimentalNote) {
        if (timesteps.length != operators.length) {
            throw new IllegalArgumentException(operators.length + " plan rows for " + timesteps.length + " timesteps");
        }
        this.source = source;
        this.experimentalNote = experimentalNote;
        this.timesteps = timesteps.clone();
        this.operators = new TokenOperator[operators.length][];
        for (int i = 0; i < operators.length; i++) {
            this.operators[i] = operators[i].clone();
        }
    }

    /** Every block dense at every step: what {@code full} compiles to (never experimental: it is the model). */
    public static DensityPlan dense(String source, int[] timesteps, int layers) {
        TokenOperator[][] ops = new TokenOperator[timesteps.length][layers];
        for (TokenOperator[] row : ops) {
            Arrays.fill(row, TokenOperator.DENSE);
        }
        return new DensityPlan(source, timesteps, ops, null);
    }

    /** What the plan was compiled from, e.g. {@code preset balanced} or {@code fraction 0.800 → preset high}. */
    public String source() {
        return source;
    }

    /**
     * Whether what was asked for is experimental: a preset that missed its measured quality bar
     * ({@code DensityPresetName.experimental()}), named or picked for a fraction, or a rule whose op
     * needs {@code "experimental": true}. It stays set where layout regions turn blocks dense: the
     * plan is still the one asked for, run where it may.
     */
    public boolean experimental() {
        return experimentalNote != null;
    }

    /** Why the plan is experimental, one sentence for warnings ({@code token density preset high is experimental: it missed …}); empty if it is not. */
    public Optional<String> experimentalNote() {
        return Optional.ofNullable(experimentalNote);
    }

    public int steps() {
        return timesteps.length;
    }

    public int layers() {
        return operators.length == 0 ? 0 : operators[0].length;
    }

    public int timestep(int step) {
        return timesteps[step];
    }

    public int[] timesteps() {
        return timesteps.clone();
    }

    public TokenOperator operator(int step, int block) {
        return operators[step][block];
    }

    /** The operators of one step's blocks (a copy). */
    public TokenOperator[] step(int step) {
        return operators[step].clone();
    }

    /** Whether every block of every step is dense: the run is the unmodified model. */
    public boolean isDense() {
        for (TokenOperator[] row : operators) {
            for (TokenOperator op : row) {
                if (!(op instanceof TokenOperator.Dense)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One line per step, runs of equal blocks merged: {@code t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)}. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < operators.length; s++) {
            StringBuilder b = new StringBuilder("t=").append(timesteps[s]).append(':');
            String separator = " ";
            for (Segment seg : segments(s)) {
                b.append(separator);
                separator = ", ";
                b.append(seg.first == seg.last ? Integer.toString(seg.first) : seg.first + "-" + seg.last);
                b.append(' ').append(seg.operator.label());
            }
            lines.add(b.toString());
        }
        return lines;
    }

    /** Blocks {@code first…last} of a step running {@code operator}. */
    public record Segment(int first, int last, TokenOperator operator) {
    }

    /** A step's blocks as runs of equal operators, in block order. */
    public List<Segment> segments(int step) {
        List<Segment> out = new ArrayList<>();
        TokenOperator[] row = operators[step];
        int start = 0;
        for (int b = 1; b <= row.length; b++) {
            if (b == row.length || !row[b].equals(row[start])) {
                out.add(new Segment(start, b - 1, row[start]));
                start = b;
            }
        }
        return out;
    }

    /**
     * The plan with every operator that would combine tokens of different layout regions replaced
     * by {@code dense}, at the steps where {@code regionalStep} holds (layout.md §3.7: in steps and
     * blocks with regional attention, pooling never mixes region ids). {@code regionIds} is each
     * token's region, row-major on {@code grid}. {@code PixArtPipeline.regionalPlan} applies it to
     * every layout run; blocks keeping a non-dense operator there must compute their regional part
     * on the same (region-pure) pooled keys.
     */
    public DensityPlan respectingRegions(int[] regionIds, TokenGrid grid, IntPredicate regionalStep) {
        TokenOperator[][] ops = new TokenOperator[operators.length][];
        boolean changed = false;
        for (int s = 0; s < operators.length; s++) {
            ops[s] = operators[s].clone();
            if (!regionalStep.test(s)) {
                continue;
            }
            for (int b = 0; b < ops[s].length; b++) {
                if (ops[s][b].mixesRegions(regionIds, grid)) {
                    ops[s][b] = TokenOperator.DENSE;
                    changed = true;
                }
            }
        }
        return changed ? new DensityPlan(source + ", dense where pooling would mix layout regions", timesteps, ops,
                experimentalNote) : this;
    }

    /**
     * The plan with every operator {@code replace} selects replaced by {@code dense} at the steps
     * where {@code steps} holds; {@code why} is appended to the source when anything changed.
     */
    public DensityPlan denseWhere(IntPredicate steps, Predicate<TokenOperator> replace, String why) {
        TokenOperator[][] ops = new TokenOperator[operators.length][];
        boolean changed = false;
        for (int s = 0; s < operators.length; s++) {
            ops[s] = operators[s].clone();
            if (!steps.test(s)) {
                continue;
            }
            for (int b = 0; b < ops[s].length; b++) {
                if (!(ops[s][b] instanceof TokenOperator.Dense) && replace.test(ops[s][b])) {
                    ops[s][b] = TokenOperator.DENSE;
                    changed = true;
                }
            }
        }
        return changed ? new DensityPlan(source + ", " + why, timesteps, ops, experimentalNote) : this;
    }
}
