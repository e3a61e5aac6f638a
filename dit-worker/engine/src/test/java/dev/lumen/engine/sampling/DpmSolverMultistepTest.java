package dev.lumen.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DpmSolverMultistepTest {
    private static final DpmSolverMultistep PIXART = new DpmSolverMultistep(DpmSolverConfig.defaults());

    private static DpmSolverMultistep with(TimestepSpacing spacing, int stepsOffset) {
        return new DpmSolverMultistep(new DpmSolverConfig("test", NoiseScheduleConfig.PIXART, 2, SolverType.MIDPOINT,
                true, false, FinalSigmasType.ZERO, Double.NEGATIVE_INFINITY, spacing, stepsOffset));
    }

    @Test
    void linspaceTimestepsOfTheSpec() {
        assertThat(PIXART.start(20).timesteps()).containsExactly(999, 949, 899, 849, 799, 749, 699, 649, 599, 549,
                500, 450, 400, 350, 300, 250, 200, 150, 100, 50);
        assertThat(PIXART.start(2).timesteps()).containsExactly(999, 500);
        // step 39.96, rounded half to even
        assertThat(PIXART.start(25).timesteps()).containsExactly(999, 959, 919, 879, 839, 799, 759, 719, 679, 639,
                599, 559, 519, 480, 440, 400, 360, 320, 280, 240, 200, 160, 120, 80, 40);
        assertThat(PIXART.start(4).timesteps()).containsExactly(999, 749, 500, 250);
        assertThat(PIXART.start(1).timesteps()).containsExactly(999);
    }

    @Test
    void linspaceWithAsManyStepsAsTrainingTimestepsRepeatsTimestep500LikeDiffusers() {
        int[] timesteps = PIXART.start(1000).timesteps();

        assertThat(timesteps).hasSize(1000).startsWith(999, 998).endsWith(1);
        assertThat(java.util.Arrays.stream(timesteps).filter(t -> t == 500).count()).isEqualTo(2);
    }

    @Test
    void leadingAndTrailingTimestepsMatchNumpy() {
        // Expected lists computed with numpy from diffusers 0.31.0's set_timesteps expressions.
        assertThat(with(TimestepSpacing.LEADING, 0).start(4).timesteps()).containsExactly(800, 600, 400, 200);
        assertThat(with(TimestepSpacing.LEADING, 1).start(10).timesteps())
                .containsExactly(901, 811, 721, 631, 541, 451, 361, 271, 181, 91);
        assertThat(with(TimestepSpacing.TRAILING, 0).start(4).timesteps()).containsExactly(999, 749, 499, 249);
        assertThat(with(TimestepSpacing.TRAILING, 0).start(3).timesteps()).containsExactly(999, 666, 332);
        assertThat(with(TimestepSpacing.TRAILING, 0).start(7).timesteps())
                .containsExactly(999, 856, 713, 570, 428, 285, 142);
    }

    @Test
    void trailingKeepsNumpysExtraArangeElement() {
        // np.arange(1000, 0, -1000/61) has 62 elements (the last ~1e-13), so diffusers runs 62 steps ending at -1.
        Schedule schedule = with(TimestepSpacing.TRAILING, 0).start(61);

        assertThat(schedule.size()).isEqualTo(62);
        assertThat(schedule.timesteps()).startsWith(999).endsWith(32, 15, -1);
    }

    @Test
    void noiseScheduleMatchesTheReferenceValues() {
        float[] alphasCumprod = PIXART.alphasCumprod();

        assertThat(alphasCumprod[0]).isEqualTo(0.9999f);
        assertThat(alphasCumprod[999]).isCloseTo(4.0358e-5f, within(1e-9f));
        assertThat(PIXART.start(4).sigmas()).hasSize(5).startsWith(157.40726f).endsWith(0f);
        assertThat(PIXART.initNoiseSigma()).isEqualTo(1f);
    }

    @Test
    void singleStepLandsExactlyOnTheDataPrediction() {
        DpmSolverMultistep.DpmSchedule schedule = PIXART.start(1);
        float sigma = schedule.sigmas()[0];
        float alpha = 1f / (float) Math.sqrt(sigma * sigma + 1f);
        float[] sample = {1.5f, -2f, 0.25f};
        float[] eps = {0.3f, -1.1f, 2f};

        float[] out = schedule.step(0, eps, sample, null);

        for (int j = 0; j < sample.length; j++) {
            assertThat(out[j]).isEqualTo((sample[j] - sigma * alpha * eps[j]) / alpha);
        }
    }

    /**
     * With a perfect model (its ε is the true noise of x = α_t·X + σ_t·E for fixed X and E) every DPM-Solver++
     * update, first or second order, stays on that trajectory, so the run must end on X (or, with
     * final_sigmas_type sigma_min, on α·X + σ·E at σ_min) whatever the step count and spacing.
     */
    @ParameterizedTest
    @CsvSource({
            "LINSPACE, 2, MIDPOINT, ZERO", "LINSPACE, 1, MIDPOINT, ZERO", "LINSPACE, 2, HEUN, ZERO",
            "LEADING, 2, MIDPOINT, ZERO", "TRAILING, 2, MIDPOINT, ZERO", "LINSPACE, 2, MIDPOINT, SIGMA_MIN",
            "TRAILING, 2, HEUN, SIGMA_MIN"})
    void perfectModelRunsEndOnTheData(TimestepSpacing spacing, int order, SolverType solverType,
                                      FinalSigmasType finalSigmas) {
        DpmSolverMultistep scheduler = new DpmSolverMultistep(new DpmSolverConfig("test", NoiseScheduleConfig.PIXART,
                order, solverType, true, false, finalSigmas, Double.NEGATIVE_INFINITY, spacing, 0));
        Random random = new Random(7);
        float[] data = new float[16];
        float[] noise = new float[16];
        for (int j = 0; j < data.length; j++) {
            data[j] = (float) random.nextGaussian();
            noise[j] = (float) random.nextGaussian();
        }
        for (int steps : new int[] {1, 2, 3, 4, 7, 14, 15, 16, 20, 25, 50, 100, 333, 999, 1000}) {
            DpmSolverMultistep.DpmSchedule schedule = scheduler.start(steps);
            float[] sigmas = schedule.sigmas();
            float[] x = onTrajectory(data, noise, sigmas[0]);
            for (int i = 0; i < schedule.size(); i++) {
                float alpha = 1f / (float) Math.sqrt(sigmas[i] * sigmas[i] + 1f);
                float[] eps = new float[x.length];
                for (int j = 0; j < x.length; j++) {
                    eps[j] = (x[j] - alpha * data[j]) / (sigmas[i] * alpha);
                }
                x = schedule.step(i, eps, x, null);
            }
            float[] expected = onTrajectory(data, noise, sigmas[sigmas.length - 1]);
            for (int j = 0; j < x.length; j++) {
                assertThat(x[j]).as("%d steps, element %d", steps, j).isCloseTo(expected[j], within(2e-3f));
            }
        }
    }

    private static float[] onTrajectory(float[] data, float[] noise, float sigma) {
        double alpha = 1 / Math.sqrt((double) sigma * sigma + 1);
        float[] x = new float[data.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (alpha * data[j] + sigma * alpha * noise[j]);
        }
        return x;
    }

    @Test
    void concurrentRunsDoNotShareState() {
        Random random = new Random(3);
        float[][] epsA = new float[8][32];
        float[][] epsB = new float[8][32];
        float[] initA = new float[32];
        float[] initB = new float[32];
        for (int j = 0; j < 32; j++) {
            initA[j] = (float) random.nextGaussian();
            initB[j] = (float) random.nextGaussian();
            for (int i = 0; i < 8; i++) {
                epsA[i][j] = (float) random.nextGaussian();
                epsB[i][j] = (float) random.nextGaussian();
            }
        }
        float[] aliceAlone = initA;
        Schedule alone = PIXART.start(8);
        for (int i = 0; i < 8; i++) {
            aliceAlone = alone.step(i, epsA[i], aliceAlone, null);
        }

        Schedule alice = PIXART.start(8);
        Schedule bob = PIXART.start(8);
        float[] a = initA;
        float[] b = initB;
        for (int i = 0; i < 8; i++) {
            a = alice.step(i, epsA[i], a, null);
            b = bob.step(i, epsB[i], b, null);
        }

        assertThat(a).containsExactly(aliceAlone);
    }

    @Test
    void stepsMustBeTakenInOrder() {
        Schedule schedule = PIXART.start(4);
        float[] x = {1f, 2f};

        assertThatThrownBy(() -> schedule.step(1, x, x, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("next step of this run is 0");
        float[] next = schedule.step(0, x, x, null);
        assertThatThrownBy(() -> schedule.step(0, x, next, null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> schedule.step(4, x, next, null)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void inputsAreCheckedAndLeftUntouched() {
        Schedule schedule = PIXART.start(4);
        float[] eps = {0.5f, -0.5f};
        float[] sample = {1f, 2f};

        assertThatThrownBy(() -> schedule.step(0, new float[3], sample, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 elements");
        assertThat(schedule.needsNoise(0)).isFalse();
        schedule.step(0, eps, sample, null);
        assertThat(eps).containsExactly(0.5f, -0.5f);
        assertThat(sample).containsExactly(1f, 2f);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1001})
    void refusesStepCountsOutsideTheTrainingRange(int steps) {
        assertThatThrownBy(() -> PIXART.start(steps))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 1000");
    }

    @Test
    void lambdaMinClippedDropsTheNoisiestTimesteps() {
        DpmSolverMultistep clipped = new DpmSolverMultistep(new DpmSolverConfig("test", NoiseScheduleConfig.PIXART, 2,
                SolverType.MIDPOINT, true, false, FinalSigmasType.ZERO, -5.0, TimestepSpacing.LINSPACE, 0));
        float[] alphasCumprod = clipped.alphasCumprod();
        int first = clipped.start(10).timesteps()[0];

        // λ(t) = ln sqrt(ᾱ) − ln sqrt(1 − ᾱ) ≈ −5.06 at t = 999: the top timesteps fall below −5 and are cut.
        assertThat(first).isBetween(900, 998);
        assertThat(lambda(alphasCumprod[first])).isGreaterThanOrEqualTo(-5.0);
        assertThat(lambda(alphasCumprod[first + 1])).isLessThan(-5.0);
    }

    private static double lambda(float alphaCumprod) {
        return Math.log(Math.sqrt(alphaCumprod)) - Math.log(Math.sqrt(1 - alphaCumprod));
    }

    @Test
    void lambdaMinClippedThatRemovesEverythingIsRefused() {
        DpmSolverConfig config = new DpmSolverConfig("cfg.json", NoiseScheduleConfig.PIXART, 2, SolverType.MIDPOINT,
                true, false, FinalSigmasType.ZERO, Double.POSITIVE_INFINITY, TimestepSpacing.LINSPACE, 0);

        assertThatThrownBy(() -> new DpmSolverMultistep(config))
                .isInstanceOf(SchedulerConfigException.class)
                .hasMessageContaining("cfg.json").hasMessageContaining("lambda_min_clipped");
    }
}
