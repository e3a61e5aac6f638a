package dev.lumen.engine.sampling;

/**
 * Latent consistency model sampling (diffusers 0.31.0 {@code LCMScheduler}), the scheduler of PixArt-LCM.
 *
 * <p>The timesteps are picked, evenly by index, from the distillation grid of
 * {@code original_inference_steps} timesteps {k − 1, 2k − 1, …} (k = T / original steps). Each step maps
 * the ε prediction to x0 = (x − sqrt(1 − ᾱ_t)·ε)/sqrt(ᾱ_t), applies the consistency boundary condition
 * denoised = c_out·x0 + c_skip·x with c_skip = σ_d²/(u² + σ_d²), c_out = u/sqrt(u² + σ_d²), u = t·scaling,
 * σ_d = 0.5, and — except at the last step — re-noises to the next timestep with fresh standard normal
 * noise: x' = sqrt(ᾱ_t')·denoised + sqrt(1 − ᾱ_t')·z. The caller draws z, so runs can replay the
 * reference's noise.
 *
 * <p>Arithmetic is float32 in the reference's order; scalar coefficients are computed as torch computes
 * them on 0-dim float32 tensors (for instance σ_d²/(…) as reciprocal × σ_d², as Python's
 * {@code scalar / tensor} does).
 */
public final class LcmScheduler implements Scheduler {
    private static final float SIGMA_DATA_SQUARED = 0.25f;

    private final LcmConfig config;
    private final float[] alphasCumprod;

    /** Builds the scheduler. */
    public LcmScheduler(LcmConfig config) {
        this.config = config;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(NoiseSchedule.betas(config.noise()));
    }

    @Override
    public LcmConfig config() {
        return config;
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    /** ᾱ for every training timestep (a copy), as the reference computes it. */
    float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Accepts 1 to {@code original_inference_steps} steps, the bound diffusers enforces (the schedule
     * is a subset of the distillation grid).
     */
    @Override
    public LcmSchedule start(int numInferenceSteps) {
        return new LcmSchedule(timesteps(numInferenceSteps));
    }

    /** The reference's timesteps for {@code n} steps, with the checks diffusers' set_timesteps makes. */
    int[] timesteps(int n) {
        int trainSteps = config.noise().numTrainTimesteps();
        int originalSteps = config.originalInferenceSteps();
        if (n < 1) {
            throw new IllegalArgumentException("LCM needs at least 1 inference step, got " + n);
        }
        if (n > trainSteps) {
            throw new IllegalArgumentException("LCM inference steps (" + n + ") cannot exceed num_train_timesteps ("
                    + trainSteps + ") of " + config.origin());
        }
        if (n > originalSteps) {
            throw new IllegalArgumentException("LCM inference steps (" + n + ") cannot exceed original_inference_steps ("
                    + originalSteps + ") of " + config.origin()
                    + ": the timesteps are a subset of that distillation grid");
        }
        int k = trainSteps / originalSteps;
        // The grid reversed: index 0 is the noisiest timestep, originalSteps·k − 1.
        int[] grid = new int[originalSteps];
        for (int i = 0; i < originalSteps; i++) {
            grid[i] = (originalSteps - i) * k - 1;
        }
        // np.floor(np.linspace(0, originalSteps, n, endpoint=False)): i·(originalSteps / n) in float64.
        double stride = (double) originalSteps / n;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = grid[(int) Math.floor(i * stride)];
        }
        return out;
    }

    /** One LCM run; it has no state beyond its position, the noise comes from the caller. */
    public final class LcmSchedule extends OrderedSchedule {

        private LcmSchedule(int[] timesteps) {
            super(timesteps);
        }

        @Override
        public boolean needsNoise(int index) {
            return index < timesteps.length - 1;
        }

        @Override
        float[] advance(int i, float[] eps, float[] sample, float[] noise) {
            int t = timesteps[i];
            boolean last = i == timesteps.length - 1;
            // At the last step diffusers uses t itself as the "previous" timestep; its ᾱ is then unused.
            int tNext = last ? t : timesteps[i + 1];

            float alphaProd = alphasCumprod[t];
            float sqrtAlpha = (float) Math.sqrt(alphaProd);
            float sqrtBeta = (float) Math.sqrt(1f - alphaProd);

            // get_scalings_for_boundary_condition_discrete: u = t · timestep_scaling as a float32 tensor.
            float u = (float) t * (float) config.timestepScaling();
            float uSquaredPlus = u * u + SIGMA_DATA_SQUARED;
            float cSkip = (1f / uSquaredPlus) * SIGMA_DATA_SQUARED;
            float cOut = u / (float) Math.sqrt(uSquaredPlus);

            boolean clip = config.clipSample();
            float clipRange = (float) config.clipSampleRange();
            int len = sample.length;
            float[] out = new float[len];
            if (last) {
                for (int j = 0; j < len; j++) {
                    float x0 = (sample[j] - sqrtBeta * eps[j]) / sqrtAlpha;
                    if (clip) {
                        x0 = Math.clamp(x0, -clipRange, clipRange);
                    }
                    out[j] = cOut * x0 + cSkip * sample[j];
                }
            } else {
                float alphaNext = alphasCumprod[tNext];
                float sqrtAlphaNext = (float) Math.sqrt(alphaNext);
                float sqrtBetaNext = (float) Math.sqrt(1f - alphaNext);
                for (int j = 0; j < len; j++) {
                    float x0 = (sample[j] - sqrtBeta * eps[j]) / sqrtAlpha;
                    if (clip) {
                        x0 = Math.clamp(x0, -clipRange, clipRange);
                    }
                    float denoised = cOut * x0 + cSkip * sample[j];
                    out[j] = sqrtAlphaNext * denoised + sqrtBetaNext * noise[j];
                }
            }
            return out;
        }
    }
}
