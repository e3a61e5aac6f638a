package dev.lumen.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing LCMScheduler configs. */
class LcmConfigTest {

    @Test
    void readsThePixartLcmConfigWithItsLinearBetasAndDefaultScaling() {
        Path file = PixartTinyFixtures.lcmConfig();

        SchedulerConfig config = SchedulerConfig.load(file);

        assertThat(config).isEqualTo(new LcmConfig(file.toString(), NoiseScheduleConfig.PIXART, 50, 10.0, false, 1.0));
        assertThat(config.className()).isEqualTo("LCMScheduler");
        assertThat(Scheduler.create(config)).isInstanceOf(LcmScheduler.class);
    }

    @Test
    void absentFieldsTakeLcmSchedulersOwnDefaults() {
        // LCMScheduler's constructor defaults are Stable Diffusion's betas, not PixArt's.
        SchedulerConfig config = SchedulerConfig.parse("{\"_class_name\": \"LCMScheduler\"}", "lcm.json");

        assertThat(config).isEqualTo(new LcmConfig("lcm.json",
                new NoiseScheduleConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR), 50, 10.0, false, 1.0));
    }

    @Test
    void readsTheOptionsItImplementsAndIgnoresTheOnesWithoutEffect() {
        SchedulerConfig config = SchedulerConfig.parse("""
                {"_class_name": "LCMScheduler", "original_inference_steps": 100, "timestep_scaling": 5.5,
                 "clip_sample": true, "clip_sample_range": 2.0, "timestep_spacing": "whatever",
                 "steps_offset": 3, "set_alpha_to_one": false, "beta_schedule": "squaredcos_cap_v2"}""", "o.json");

        assertThat(config).isEqualTo(new LcmConfig("o.json",
                new NoiseScheduleConfig(1000, 0.00085, 0.012, BetaSchedule.SQUAREDCOS_CAP_V2), 100, 5.5, true, 2.0));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "original_inference_steps | 0                  | between 1 and num_train_timesteps (1000)",
            "original_inference_steps | 1001               | between 1 and num_train_timesteps (1000)",
            "timestep_scaling         | 0                  | positive finite",
            "timestep_scaling         | Infinity           | positive finite",
            "clip_sample_range        | -1                 | positive finite",
            "clip_sample              | '\"yes\"'          | expected true or false",
            "prediction_type          | '\"sample\"'       | only epsilon",
            "thresholding             | true               | not supported",
            "beta_schedule            | '\"sqrt_linear\"'  | expected one of",
            "set_alpha_to_one         | 0                  | expected true or false"})
    void refusesInvalidOrUnsupportedValuesNamingFileAndField(String field, String json, String problem) {
        String text = "{\"_class_name\": \"LCMScheduler\", \"" + field + "\": " + json + "}";

        DpmSolverConfigTest.assertRefused(text, "lcm/scheduler_config.json", field).hasMessageContaining(problem);
    }
}
