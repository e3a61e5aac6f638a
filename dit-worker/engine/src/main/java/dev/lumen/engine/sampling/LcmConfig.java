package dev.lumen.engine.sampling;

/**
 * Configuration of diffusers' {@code LCMScheduler} (latent consistency model sampling, as PixArt-LCM uses),
 * limited to epsilon-predicting models without thresholding. {@code timestep_spacing}, {@code steps_offset}
 * and {@code set_alpha_to_one} have no effect on LCM sampling in diffusers and are not kept.
 *
 * @param origin                 where the configuration came from, for messages
 * @param noise                  the training noise schedule
 * @param originalInferenceSteps {@code original_inference_steps}: the size of the distillation timestep grid
 *                               the inference timesteps are picked from (PixArt-LCM: 50)
 * @param timestepScaling        {@code timestep_scaling}: multiplies t in the boundary conditions c_skip/c_out
 * @param clipSample             {@code clip_sample}: clamp the data prediction to ±clipSampleRange
 * @param clipSampleRange        {@code clip_sample_range}
 */
public record LcmConfig(String origin, NoiseScheduleConfig noise, int originalInferenceSteps,
                        double timestepScaling, boolean clipSample, double clipSampleRange)
        implements SchedulerConfig {

    /** The diffusers class name, {@value}. */
    public static final String CLASS_NAME = "LCMScheduler";

    /** Checks the values; an invalid one throws a {@link SchedulerConfigException} naming the origin and field. */
    public LcmConfig {
        if (origin == null) {
            origin = "<LcmConfig>";
        }
        DpmSolverConfig.require(origin, noise != null, "num_train_timesteps", "the noise schedule must be given");
        DpmSolverConfig.require(origin, originalInferenceSteps >= 1, "original_inference_steps",
                "must be at least 1, got " + originalInferenceSteps);
        // diffusers checks this in set_timesteps; a config that can never be used is better refused at load.
        DpmSolverConfig.require(origin, originalInferenceSteps <= noise.numTrainTimesteps(),
                "original_inference_steps", "must not exceed num_train_timesteps (" + noise.numTrainTimesteps()
                        + "), got " + originalInferenceSteps);
        DpmSolverConfig.require(origin, Double.isFinite(timestepScaling) && timestepScaling > 0,
                "timestep_scaling", "must be a positive finite number, got " + timestepScaling);
        DpmSolverConfig.require(origin, Double.isFinite(clipSampleRange) && clipSampleRange > 0,
                "clip_sample_range", "must be a positive finite number, got " + clipSampleRange);
    }

    /** PixArt-LCM-XL-2-1024-MS's configuration: linear betas 0.0001–0.02, 50 original steps, scaling 10. */
    public static LcmConfig pixartLcm() {
        return new LcmConfig("<PixArt-LCM scheduler>", NoiseScheduleConfig.PIXART, 50, 10.0, false, 1.0);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
