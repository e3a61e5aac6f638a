package dev.lumen.engine.sampling;

import java.nio.file.Path;

/**
 * A diffusion sampler: turns the model's noise predictions into the next latents, one timestep at a time,
 * reproducing a diffusers scheduler numerically (float32, the reference's rounding order).
 *
 * <p>A scheduler is immutable and may be shared by any number of concurrent runs: each run calls
 * {@link #start(int)} and keeps all of its per-run state (such as DPM-Solver's previous data prediction)
 * in the {@link Schedule} it gets back.
 */
public interface Scheduler {

    /** Builds the scheduler a configuration describes. */
    static Scheduler create(SchedulerConfig config) {
        return switch (config) {
            case DpmSolverConfig dpm -> new DpmSolverMultistep(dpm);
            case LcmConfig lcm -> new LcmScheduler(lcm);
        };
    }

    /**
     * Reads a diffusers {@code scheduler_config.json} (or the one in a folder) and builds its scheduler.
     *
     * @throws SchedulerConfigException if the configuration is unreadable, invalid or unsupported
     */
    static Scheduler load(Path path) {
        return create(SchedulerConfig.load(path));
    }

    /** The configuration this scheduler was built from. */
    SchedulerConfig config();

    /**
     * The standard deviation of the initial latents: the pipeline draws N(0, 1) noise and multiplies it by
     * this. It is 1 for both DPM-Solver and LCM.
     */
    float initNoiseSigma();

    /**
     * Begins one sampling run of {@code numInferenceSteps} steps: computes its timesteps and whatever the
     * steps share, and returns the object that performs them.
     *
     * @throws IllegalArgumentException if the scheduler cannot run that many steps (the message says why)
     */
    Schedule start(int numInferenceSteps);
}
