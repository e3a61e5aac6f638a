package dev.lumen.engine.sampling;

/**
 * How DPM-Solver picks its inference timesteps out of the training range (diffusers'
 * {@code timestep_spacing}, Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed").
 */
public enum TimestepSpacing {
    /** {@code linspace}: evenly spaced from the last training timestep down to 0, rounded half to even. */
    LINSPACE("linspace"),
    /** {@code leading}: multiples of {@code T // (N + 1)}, plus {@code steps_offset}. */
    LEADING("leading"),
    /** {@code trailing}: evenly spaced down from T, minus one, so the first step is always T − 1. */
    TRAILING("trailing");

    private final String configName;

    TimestepSpacing(String configName) {
        this.configName = configName;
    }

    /** The spelling used in {@code scheduler_config.json}. */
    public String configName() {
        return configName;
    }
}
