package dev.lumen.engine.sampling;

import java.util.Arrays;
import java.util.Objects;

/** The bookkeeping every {@link Schedule} shares: the timesteps, step order and argument checks. */
abstract class OrderedSchedule implements Schedule {
    protected final int[] timesteps;
    private int nextIndex;

    OrderedSchedule(int[] timesteps) {
        this.timesteps = timesteps;
    }

    @Override
    public final int[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public final int size() {
        return timesteps.length;
    }

    @Override
    public final int timestep(int index) {
        Objects.checkIndex(index, timesteps.length);
        return timesteps[index];
    }

    @Override
    public final float[] step(int index, float[] modelOutputEps, float[] sample, float[] noise) {
        Objects.checkIndex(index, timesteps.length);
        // Multistep solvers carry the previous step's prediction, so a skipped or repeated step would
        // silently mix predictions from the wrong timesteps.
        if (index != nextIndex) {
            throw new IllegalStateException("step " + index + " taken out of order; the next step of this run is "
                    + (nextIndex < timesteps.length ? nextIndex : "none (the run is complete)"));
        }
        Objects.requireNonNull(modelOutputEps, "modelOutputEps");
        Objects.requireNonNull(sample, "sample");
        if (modelOutputEps.length != sample.length) {
            throw new IllegalArgumentException("model output has " + modelOutputEps.length
                    + " elements but the sample has " + sample.length);
        }
        if (needsNoise(index)) {
            if (noise == null) {
                throw new IllegalArgumentException("step " + index + " injects noise: pass " + sample.length
                        + " standard normal values");
            }
            if (noise.length != sample.length) {
                throw new IllegalArgumentException("noise has " + noise.length + " elements but the sample has "
                        + sample.length);
            }
        }
        float[] next = advance(index, modelOutputEps, sample, noise);
        nextIndex++;
        return next;
    }

    /** The scheduler's update for step {@code index}; arguments are already checked. */
    abstract float[] advance(int index, float[] eps, float[] sample, float[] noise);

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(timesteps);
    }
}
