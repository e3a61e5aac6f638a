package dev.lumen.engine.sampling;

/** The noise level DPM-Solver's last step lands on (diffusers' {@code final_sigmas_type}). */
public enum FinalSigmasType {
    /** {@code zero}: the last step returns the clean data prediction; diffusers' default. */
    ZERO("zero"),
    /** {@code sigma_min}: the last step stops at the smallest training noise level, σ(t = 0). */
    SIGMA_MIN("sigma_min");

    private final String configName;

    FinalSigmasType(String configName) {
        this.configName = configName;
    }

    /** The spelling used in {@code scheduler_config.json}. */
    public String configName() {
        return configName;
    }
}
