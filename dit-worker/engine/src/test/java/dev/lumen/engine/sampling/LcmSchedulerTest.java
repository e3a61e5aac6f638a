package dev.lumen.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LcmSchedulerTest {
    private static final LcmScheduler PIXART_LCM = new LcmScheduler(LcmConfig.pixartLcm());

    @Test
    void timestepsOfTheSpec() {
        assertThat(PIXART_LCM.start(1).timesteps()).containsExactly(999);
        assertThat(PIXART_LCM.start(2).timesteps()).containsExactly(999, 499);
        assertThat(PIXART_LCM.start(4).timesteps()).containsExactly(999, 759, 499, 259);
        assertThat(PIXART_LCM.start(8).timesteps()).containsExactly(999, 879, 759, 639, 499, 379, 259, 139);
        assertThat(PIXART_LCM.start(3).timesteps()).containsExactly(999, 679, 339);
    }

    @Test
    void fiftyStepsWalkTheWholeDistillationGrid() {
        int[] timesteps = PIXART_LCM.start(50).timesteps();

        assertThat(timesteps).hasSize(50).startsWith(999, 979).endsWith(39, 19);
        for (int i = 1; i < timesteps.length; i++) {
            assertThat(timesteps[i - 1] - timesteps[i]).isEqualTo(20);
        }
    }

    @Test
    void otherDistillationGrids() {
        // k = 1000 // 30 = 33: grid {32, 65, …, 989}; indices floor(i·30/4) = 0, 7, 15, 22.
        LcmScheduler thirty = new LcmScheduler(new LcmConfig("test", NoiseScheduleConfig.PIXART, 30, 10.0, false, 1.0));

        assertThat(thirty.start(4).timesteps()).containsExactly(989, 758, 494, 263);
    }

    @Test
    void alphasCumprodAtThePixartLcmTimesteps() {
        float[] alphasCumprod = PIXART_LCM.alphasCumprod();

        assertThat(alphasCumprod[999]).isCloseTo(4.0358e-5f, within(1e-9f));
        assertThat(alphasCumprod[759]).isCloseTo(2.8768e-3f, within(1e-7f));
        assertThat(alphasCumprod[499]).isCloseTo(7.8587e-2f, within(1e-6f));
        assertThat(alphasCumprod[259]).isCloseTo(0.49761f, within(1e-5f));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -3})
    void refusesNoSteps(int steps) {
        assertThatThrownBy(() -> PIXART_LCM.start(steps))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }

    @Test
    void refusesMoreStepsThanTheDistillationGrid() {
        assertThatThrownBy(() -> PIXART_LCM.start(51))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("original_inference_steps (50)");
        assertThatThrownBy(() -> PIXART_LCM.start(1001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("num_train_timesteps (1000)");
    }

    @Test
    void noiseIsNeededBetweenStepsButNotAfterTheLast() {
        Schedule schedule = PIXART_LCM.start(4);

        assertThat(schedule.needsNoise(0)).isTrue();
        assertThat(schedule.needsNoise(2)).isTrue();
        assertThat(schedule.needsNoise(3)).isFalse();
        assertThat(PIXART_LCM.start(1).needsNoise(0)).isFalse();
        assertThat(PIXART_LCM.initNoiseSigma()).isEqualTo(1f);
    }

    @Test
    void aStepThatInjectsNoiseRequiresIt() {
        Schedule schedule = PIXART_LCM.start(2);
        float[] x = {1f, 2f};

        assertThatThrownBy(() -> schedule.step(0, x, x, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("injects noise");
        assertThatThrownBy(() -> schedule.step(0, x, x, new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("noise has 1 elements");
        float[] next = schedule.step(0, x, x, new float[] {0f, 0f});

        // The last step injects nothing: noise passed there is ignored.
        Schedule other = PIXART_LCM.start(2);
        other.step(0, x, x, new float[] {0f, 0f});
        assertThat(schedule.step(1, x, next, null)).containsExactly(other.step(1, x, next, new float[] {123f, 456f}));
    }

    /**
     * A perfect model (ε equal to the noise actually in x = sqrt(ᾱ)·X + sqrt(1 − ᾱ)·E) makes every
     * consistency step return ≈ X (c_skip is ~1e-8 at these timesteps), so every run ends on X.
     */
    @Test
    void perfectModelRunsEndOnTheData() {
        Random random = new Random(11);
        float[] data = new float[16];
        for (int j = 0; j < data.length; j++) {
            data[j] = (float) random.nextGaussian();
        }
        float[] alphasCumprod = PIXART_LCM.alphasCumprod();
        for (int steps : new int[] {1, 2, 4, 8, 50}) {
            Schedule schedule = PIXART_LCM.start(steps);
            float[] noise = gaussian(random, data.length);
            float[] x = mix(data, noise, alphasCumprod[schedule.timestep(0)]);
            for (int i = 0; i < schedule.size(); i++) {
                float[] fresh = schedule.needsNoise(i) ? gaussian(random, data.length) : null;
                x = schedule.step(i, noise, x, fresh);
                if (fresh != null) {
                    assertThat(x).as("re-noised to the next timestep").usingElementComparator((p, q) ->
                            Math.abs(p - q) < 1e-3f ? 0 : 1).containsExactly(
                            mix(data, fresh, alphasCumprod[schedule.timestep(i + 1)]));
                    noise = fresh;
                }
            }
            for (int j = 0; j < data.length; j++) {
                assertThat(x[j]).as("%d steps, element %d", steps, j).isCloseTo(data[j], within(1e-3f));
            }
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            out[j] = (float) random.nextGaussian();
        }
        return out;
    }

    private static float[] mix(float[] data, float[] noise, float alphaCumprod) {
        float[] out = new float[data.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) (Math.sqrt(alphaCumprod) * data[j] + Math.sqrt(1 - alphaCumprod) * noise[j]);
        }
        return out;
    }

    @Test
    void clipSampleClampsTheDataPrediction() {
        LcmScheduler clipping = new LcmScheduler(new LcmConfig("test", NoiseScheduleConfig.PIXART, 50, 10.0, true, 1.0));
        Schedule schedule = clipping.start(1);
        float[] sample = {5f, -5f, 0.5f};
        float[] eps = {0f, 0f, 0f};

        float[] out = schedule.step(0, eps, sample, null);

        // x0 = x / sqrt(ᾱ_999) ≈ 157·x is outside ±1 for all three; denoised = c_out·clamp(x0) + c_skip·x ≈ clamp(x0).
        assertThat(out[0]).isCloseTo(1f, within(1e-5f));
        assertThat(out[1]).isCloseTo(-1f, within(1e-5f));
        assertThat(out[2]).isCloseTo(1f, within(1e-5f));
    }
}
