package dev.lumen.engine.sampling;

/**
 * DPM-Solver++ multistep sampling (diffusers 0.31.0 {@code DPMSolverMultistepScheduler} with
 * {@code algorithm_type = "dpmsolver++"}), the scheduler of PixArt-α and PixArt-Σ.
 *
 * <p>Each step turns the ε prediction into a data prediction x0 = (x − σ_s·ε)/α_s and integrates the
 * diffusion ODE in log-SNR λ = ln(α/σ) with an exponential integrator: first order (DDIM) on the first
 * step, on the last one (forced by {@code final_sigmas_type = zero}, or by {@code lower_order_final}
 * below 15 steps, or {@code euler_at_final}), and when {@code solver_order = 1}; otherwise second order,
 * using the previous step's x0 (midpoint or Heun rule).
 *
 * <p>Arithmetic follows the reference's precision: the schedule (ᾱ, σ) and each step's scalar
 * coefficients are float32 values computed as torch computes them on 0-dim float32 tensors, and the
 * element-wise update is float32 with one rounding per torch operation, in the reference's order. The
 * noise levels are float32 ({@code sigmas} is stored as float32 in diffusers), the timesteps integers.
 */
public final class DpmSolverMultistep implements Scheduler {
    private final DpmSolverConfig config;
    private final float[] alphasCumprod;
    /** σ_t = sqrt((1 − ᾱ_t)/ᾱ_t) for every training timestep, float32 as torch computes it. */
    private final float[] trainSigmas;
    /** One past the highest usable training timestep, after {@code lambda_min_clipped}. */
    private final int lastTimestep;

    /**
     * Builds the scheduler.
     *
     * @throws SchedulerConfigException if {@code lambda_min_clipped} leaves fewer than two training timesteps
     */
    public DpmSolverMultistep(DpmSolverConfig config) {
        this.config = config;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(NoiseSchedule.betas(config.noise()));
        int t = alphasCumprod.length;
        this.trainSigmas = new float[t];
        float[] lambdas = new float[t];
        for (int i = 0; i < t; i++) {
            float a = alphasCumprod[i];
            trainSigmas[i] = (float) Math.sqrt((1f - a) / a);
            // diffusers' lambda_t = log(sqrt(ᾱ)) − log(sqrt(1 − ᾱ)), float32; only used for clipping.
            lambdas[i] = (float) Math.log((float) Math.sqrt(a)) - (float) Math.log((float) Math.sqrt(1f - a));
        }
        // torch.searchsorted(flip(lambda_t), lambda_min_clipped): how many of the (ascending) flipped
        // lambdas lie below the threshold (λ falls as t grows); those noisiest timesteps are dropped.
        float threshold = (float) config.lambdaMinClipped();
        int clipped = 0;
        for (int i = t - 1; i >= 0 && lambdas[i] < threshold; i--) {
            clipped++;
        }
        this.lastTimestep = t - clipped;
        if (lastTimestep < 2) {
            throw new SchedulerConfigException(config.origin(), "lambda_min_clipped", "the threshold "
                    + config.lambdaMinClipped() + " leaves " + lastTimestep + " training timesteps to sample from");
        }
    }

    @Override
    public DpmSolverConfig config() {
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
     * <p>Accepts 1 to {@code num_train_timesteps} steps. With {@code trailing} spacing the reference's
     * float arange can yield a different number of timesteps than asked for; the schedule then has that
     * many ({@link Schedule#size()}), as in diffusers.
     */
    @Override
    public DpmSchedule start(int numInferenceSteps) {
        int trainSteps = config.noise().numTrainTimesteps();
        if (numInferenceSteps < 1 || numInferenceSteps > trainSteps) {
            throw new IllegalArgumentException("DPM-Solver needs between 1 and " + trainSteps
                    + " inference steps (num_train_timesteps of " + config.origin() + "), got " + numInferenceSteps);
        }
        int[] timesteps = timesteps(numInferenceSteps);
        int n = timesteps.length;
        float[] sigmas = new float[n + 1];
        for (int i = 0; i < n; i++) {
            // np.interp over the training grid: integer timesteps hit grid points exactly; values off the
            // grid (only possible with a large steps_offset) clamp to the ends as np.interp does.
            sigmas[i] = trainSigmas[Math.clamp(timesteps[i], 0, trainSigmas.length - 1)];
        }
        sigmas[n] = switch (config.finalSigmasType()) {
            case ZERO -> 0f;
            case SIGMA_MIN -> trainSigmas[0];
        };
        return new DpmSchedule(timesteps, sigmas);
    }

    /** The reference's timesteps for {@code n} steps: set_timesteps without custom timesteps or sigmas. */
    int[] timesteps(int n) {
        return switch (config.timestepSpacing()) {
            case LINSPACE -> {
                // np.linspace(0, last - 1, n + 1) in float64 (i·step, the end point stored exactly), rounded
                // half to even, reversed, the final 0 dropped.
                double stop = lastTimestep - 1;
                double step = stop / n;
                int[] out = new int[n];
                for (int k = 0; k < n; k++) {
                    int i = n - k;
                    double y = i == n ? stop : i * step;
                    out[k] = (int) Math.rint(y);
                }
                yield out;
            }
            case LEADING -> {
                int ratio = lastTimestep / (n + 1);
                int[] out = new int[n];
                for (int k = 0; k < n; k++) {
                    out[k] = (n - k) * ratio + config.stepsOffset();
                }
                yield out;
            }
            case TRAILING -> {
                // np.arange(last, 0, -T/n): numpy sizes it by ceil(−last / −ratio), stores the first two values
                // and fills the rest as first + i·(second − first); then rounded half to even, minus one.
                double ratio = (double) config.noise().numTrainTimesteps() / n;
                double first = lastTimestep;
                int length = (int) Math.ceil((0.0 - first) / -ratio);
                double delta = (first - ratio) - first;
                int[] out = new int[length];
                for (int i = 0; i < length; i++) {
                    double y = i == 0 ? first : i == 1 ? first - ratio : first + i * delta;
                    out[i] = (int) Math.rint(y) - 1;
                }
                yield out;
            }
        };
    }

    /** One DPM-Solver++ run: the noise levels of its timesteps and the previous data prediction. */
    public final class DpmSchedule extends OrderedSchedule {
        private final float[] sigmas;
        /** α_t = 1/sqrt(σ² + 1) at each noise level (index n: the final one). */
        private final float[] alpha;
        /** σ_t = σ·α_t, the noise coefficient of the VP parametrisation. */
        private final float[] sigmaT;
        /** λ = ln α_t − ln σ_t; +∞ at a final σ of zero. */
        private final float[] lambda;
        private float[] previousX0;

        private DpmSchedule(int[] timesteps, float[] sigmas) {
            super(timesteps);
            this.sigmas = sigmas;
            int count = sigmas.length;
            alpha = new float[count];
            sigmaT = new float[count];
            lambda = new float[count];
            for (int i = 0; i < count; i++) {
                float s = sigmas[i];
                // _sigma_to_alpha_sigma_t: 1 / (σ² + 1) ** 0.5 on float32 tensors (torch's 1/x is reciprocal).
                alpha[i] = 1f / (float) Math.sqrt(s * s + 1f);
                sigmaT[i] = s * alpha[i];
                // At σ = 0 this is ln 1 − ln 0 = +∞, which the update below turns into exactly x0, as torch
                // does with the same IEEE infinities (e^{−∞} = 0, 0/σ_s = 0).
                lambda[i] = (float) Math.log(alpha[i]) - (float) Math.log(sigmaT[i]);
            }
        }

        /** The noise levels σ of the timesteps, then the final one (a copy; length size() + 1). */
        public float[] sigmas() {
            return sigmas.clone();
        }

        @Override
        public boolean needsNoise(int index) {
            return false;
        }

        @Override
        float[] advance(int i, float[] eps, float[] sample, float[] noise) {
            int n = timesteps.length;
            int len = sample.length;

            // convert_model_output: data prediction from the noise prediction.
            float[] x0 = new float[len];
            float sigmaS = sigmaT[i];
            float alphaS = alpha[i];
            for (int j = 0; j < len; j++) {
                x0[j] = (sample[j] - sigmaS * eps[j]) / alphaS;
            }

            boolean lastStep = i == n - 1;
            boolean lowerOrderFinal = lastStep && (config.eulerAtFinal()
                    || (config.lowerOrderFinal() && n < 15)
                    || config.finalSigmasType() == FinalSigmasType.ZERO);
            boolean firstOrder = config.solverOrder() == 1 || i == 0 || lowerOrderFinal;
            float h = lambda[i + 1] - lambda[i];
            // A repeated timestep (linspace or leading with n = T, some trailing counts) makes a
            // zero-length step. First order leaves the sample unchanged there, as does diffusers' midpoint
            // rule; its Heun rule divides 0 by 0, and the step after one divides by the zero length (r0 = 0),
            // both NaN in diffusers. Those steps fall back to first order: the two x0's of a zero-length
            // interval were taken at the same λ and carry no slope information.
            if (!firstOrder && (h == 0f || lambda[i] - lambda[i - 1] == 0f)) {
                firstOrder = true;
            }
            float expMinusH = (float) Math.exp(-h);
            float sampleCoef = sigmaT[i + 1] / sigmaS;
            float x0Coef = alpha[i + 1] * (expMinusH - 1f);
            float[] out = new float[len];
            if (firstOrder) {
                for (int j = 0; j < len; j++) {
                    out[j] = sampleCoef * sample[j] - x0Coef * x0[j];
                }
            } else {
                float h0 = lambda[i] - lambda[i - 1];
                float r0 = h0 / h;
                float invR0 = 1f / r0;
                float[] prev = previousX0;
                if (config.solverType() == SolverType.MIDPOINT) {
                    float d1Coef = 0.5f * x0Coef;
                    for (int j = 0; j < len; j++) {
                        float d1 = invR0 * (x0[j] - prev[j]);
                        out[j] = (sampleCoef * sample[j] - x0Coef * x0[j]) - d1Coef * d1;
                    }
                } else {
                    float d1Coef = alpha[i + 1] * ((expMinusH - 1f) / h + 1f);
                    for (int j = 0; j < len; j++) {
                        float d1 = invR0 * (x0[j] - prev[j]);
                        out[j] = (sampleCoef * sample[j] - x0Coef * x0[j]) + d1Coef * d1;
                    }
                }
            }
            previousX0 = config.solverOrder() > 1 ? x0 : null;
            return out;
        }
    }
}
