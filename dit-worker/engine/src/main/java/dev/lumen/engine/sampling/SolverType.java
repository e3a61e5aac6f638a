package dev.lumen.engine.sampling;

/** The second-order DPM-Solver++ update rule (diffusers' {@code solver_type}). */
public enum SolverType {
    /** {@code midpoint}: the rule PixArt's configs name, and diffusers' default. */
    MIDPOINT("midpoint"),
    /** {@code heun}. */
    HEUN("heun");

    private final String configName;

    SolverType(String configName) {
        this.configName = configName;
    }

    /** The spelling used in {@code scheduler_config.json}. */
    public String configName() {
        return configName;
    }
}
