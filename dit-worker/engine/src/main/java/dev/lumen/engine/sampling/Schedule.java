package dev.lumen.engine.sampling;

/**
 * One sampling run of a {@link Scheduler}: the timesteps to evaluate the model at, and the update that
 * takes the latents from one timestep to the next.
 *
 * <p>Latents, model outputs and noise are flat float32 arrays covering the whole batch (any layout, as
 * long as all three agree: every scheduler here works element by element). The steps must be taken in
 * order, each once: {@code step(0, …)}, {@code step(1, …)}, … A schedule belongs to one run and is not
 * thread-safe; concurrent runs each use their own.
 */
public interface Schedule {

    /** The timesteps of the run, in sampling order (descending); a fresh copy. */
    int[] timesteps();

    /** The number of steps in the run. */
    int size();

    /** The timestep of step {@code index}: what the denoising model is conditioned on at that step. */
    int timestep(int index);

    /**
     * Whether step {@code index} injects fresh N(0, I) noise, which the caller must then pass to
     * {@link #step}. LCM needs noise at every step but the last; DPM-Solver++ never does.
     */
    boolean needsNoise(int index);

    /**
     * Performs step {@code index}: from the latents {@code sample} at {@code timestep(index)} and the model's
     * noise prediction for them, computes the latents for the next timestep (after the last step: the
     * final, clean latents). The inputs are not modified.
     *
     * @param index          the step, which must be the one after the previous call's (0 first)
     * @param modelOutputEps the model's ε prediction (after guidance, learned-sigma channels removed)
     * @param sample         the current latents, same length
     * @param noise          standard normal noise of the same length when {@link #needsNoise(int)} says so;
     *                       otherwise ignored and may be {@code null}
     * @return the next latents, a new array
     * @throws IllegalStateException    if the step is out of order
     * @throws IllegalArgumentException if an array is missing or of the wrong length
     */
    float[] step(int index, float[] modelOutputEps, float[] sample, float[] noise);
}
