package dev.lumen.engine.sampling;

/**
 * The training noise schedule shared by every scheduler: {@code num_train_timesteps} betas laid out by
 * {@code beta_schedule} between {@code beta_start} and {@code beta_end} (the latter two are unused by
 * {@link BetaSchedule#SQUAREDCOS_CAP_V2}).
 *
 * @param numTrainTimesteps T, the number of training timesteps (at least 2)
 * @param betaStart         the first beta, in [0, 1)
 * @param betaEnd           the last beta, in [0, 1)
 * @param betaSchedule      how the betas between them are laid out
 */
public record NoiseScheduleConfig(int numTrainTimesteps, double betaStart, double betaEnd, BetaSchedule betaSchedule) {

    /** PixArt's schedule (and diffusers' DPM-Solver default): 1000 linear betas from 0.0001 to 0.02. */
    public static final NoiseScheduleConfig PIXART = new NoiseScheduleConfig(1000, 0.0001, 0.02, BetaSchedule.LINEAR);

    /** Checks the values; an invalid one throws an {@link IllegalArgumentException} naming the config field. */
    public NoiseScheduleConfig {
        if (betaSchedule == null) {
            throw new IllegalArgumentException("beta_schedule must be given");
        }
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        // Betas are per-step variances: outside [0, 1) an alpha (1 - beta) would be zero or negative and the
        // noise levels sqrt((1 - ᾱ)/ᾱ) undefined.
        if (!(betaStart >= 0 && betaStart < 1)) {
            throw new IllegalArgumentException("beta_start must be in [0, 1), got " + betaStart);
        }
        if (!(betaEnd >= 0 && betaEnd < 1)) {
            throw new IllegalArgumentException("beta_end must be in [0, 1), got " + betaEnd);
        }
    }
}
