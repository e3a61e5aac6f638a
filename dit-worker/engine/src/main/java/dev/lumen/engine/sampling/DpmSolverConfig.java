package dev.lumen.engine.sampling;

/**
 * Configuration of diffusers' {@code DPMSolverMultistepScheduler}, limited to what this engine implements:
 * the deterministic {@code dpmsolver++} algorithm of order 1 or 2 on epsilon-predicting models, with the
 * training-grid noise levels (no Karras/exponential/beta/Lu sigmas) and no thresholding.
 *
 * @param origin           where the configuration came from, for messages
 * @param noise            the training noise schedule
 * @param solverOrder      1 or 2 ({@code solver_order}; PixArt uses 2)
 * @param solverType       the second-order rule ({@code solver_type})
 * @param lowerOrderFinal  {@code lower_order_final}: below 15 steps, the last step is first order
 * @param eulerAtFinal     {@code euler_at_final}: the last step is always first order
 * @param finalSigmasType  where the last step lands ({@code final_sigmas_type})
 * @param lambdaMinClipped {@code lambda_min_clipped}: training timesteps whose log-SNR λ is below this are cut
 *                         off the top of the range before spacing ({@code -Infinity} keeps them all)
 * @param timestepSpacing  {@code timestep_spacing}
 * @param stepsOffset      {@code steps_offset}, added to the timesteps of {@link TimestepSpacing#LEADING} only
 */
public record DpmSolverConfig(String origin, NoiseScheduleConfig noise, int solverOrder, SolverType solverType,
                              boolean lowerOrderFinal, boolean eulerAtFinal, FinalSigmasType finalSigmasType,
                              double lambdaMinClipped, TimestepSpacing timestepSpacing, int stepsOffset)
        implements SchedulerConfig {

    /** The diffusers class name, {@value}. */
    public static final String CLASS_NAME = "DPMSolverMultistepScheduler";

    /** Checks the values; an invalid one throws a {@link SchedulerConfigException} naming the origin and field. */
    public DpmSolverConfig {
        if (origin == null) {
            origin = "<DpmSolverConfig>";
        }
        require(origin, noise != null, "num_train_timesteps", "the noise schedule must be given");
        require(origin, solverOrder == 1 || solverOrder == 2, "solver_order",
                "must be 1 or 2 (order 3 is not implemented), got " + solverOrder);
        require(origin, solverType != null, "solver_type", "must be given");
        require(origin, finalSigmasType != null, "final_sigmas_type", "must be given");
        require(origin, !Double.isNaN(lambdaMinClipped), "lambda_min_clipped", "must be a number, got NaN");
        require(origin, timestepSpacing != null, "timestep_spacing", "must be given");
        require(origin, stepsOffset >= 0, "steps_offset", "must not be negative, got " + stepsOffset);
    }

    /** diffusers' constructor defaults, which are also PixArt-α's and PixArt-Σ's published configuration. */
    public static DpmSolverConfig defaults() {
        return new DpmSolverConfig("<DPMSolverMultistepScheduler defaults>", NoiseScheduleConfig.PIXART, 2,
                SolverType.MIDPOINT, true, false, FinalSigmasType.ZERO, Double.NEGATIVE_INFINITY,
                TimestepSpacing.LINSPACE, 0);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    static void require(String origin, boolean ok, String field, String problem) {
        if (!ok) {
            throw new SchedulerConfigException(origin, field, problem);
        }
    }
}
