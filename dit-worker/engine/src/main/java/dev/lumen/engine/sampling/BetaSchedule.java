package dev.lumen.engine.sampling;

/**
 * How the training noise schedule's betas are laid out (diffusers' {@code beta_schedule}).
 * PixArt-α, PixArt-LCM and PixArt-Σ all use {@link #LINEAR}.
 */
public enum BetaSchedule {
    /** {@code linear}: betas evenly spaced from beta_start to beta_end. */
    LINEAR("linear"),
    /** {@code scaled_linear}: square roots evenly spaced, then squared (Stable Diffusion's schedule). */
    SCALED_LINEAR("scaled_linear"),
    /** {@code squaredcos_cap_v2}: the cosine schedule of Nichol and Dhariwal, betas capped at 0.999. */
    SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

    private final String configName;

    BetaSchedule(String configName) {
        this.configName = configName;
    }

    /** The spelling used in {@code scheduler_config.json}. */
    public String configName() {
        return configName;
    }
}
