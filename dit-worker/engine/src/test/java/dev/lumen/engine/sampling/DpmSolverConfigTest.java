package dev.lumen.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing DPMSolverMultistepScheduler configs, and the errors every scheduler config shares. */
class DpmSolverConfigTest {

    @Test
    void readsThePixartConfigWithItsBareMinusInfinity() {
        Path file = PixartTinyFixtures.dpmConfig();

        SchedulerConfig config = SchedulerConfig.load(file);

        assertThat(config).isEqualTo(new DpmSolverConfig(file.toString(), NoiseScheduleConfig.PIXART, 2,
                SolverType.MIDPOINT, true, false, FinalSigmasType.ZERO, Double.NEGATIVE_INFINITY,
                TimestepSpacing.LINSPACE, 0));
        assertThat(config.className()).isEqualTo("DPMSolverMultistepScheduler");
        assertThat(Scheduler.create(config)).isInstanceOf(DpmSolverMultistep.class);
    }

    @Test
    void loadsFromTheSchedulerFolder() {
        Path folder = PixartTinyFixtures.dpmConfig().getParent();

        assertThat(Scheduler.load(folder).config()).isInstanceOf(DpmSolverConfig.class);
    }

    @Test
    void absentAndNullFieldsTakeTheClassDefaultsAndUnknownFieldsAreIgnored() {
        SchedulerConfig config = SchedulerConfig.parse("""
                {"_class_name": "DPMSolverMultistepScheduler", "final_sigmas_type": null,
                 "some_future_field": [1, 2, {"x": NaN}]}""", "minimal.json");

        assertThat(config).isEqualTo(new DpmSolverConfig("minimal.json", NoiseScheduleConfig.PIXART, 2,
                SolverType.MIDPOINT, true, false, FinalSigmasType.ZERO, Double.NEGATIVE_INFINITY,
                TimestepSpacing.LINSPACE, 0));
    }

    @Test
    void readsTheOptionsItImplements() {
        DpmSolverConfig config = (DpmSolverConfig) SchedulerConfig.parse("""
                {"_class_name": "DPMSolverMultistepScheduler", "num_train_timesteps": 500, "beta_start": 0.00085,
                 "beta_end": 0.012, "beta_schedule": "scaled_linear", "solver_order": 1, "solver_type": "heun",
                 "lower_order_final": false, "euler_at_final": true, "final_sigmas_type": "sigma_min",
                 "lambda_min_clipped": -5.1, "timestep_spacing": "leading", "steps_offset": 1,
                 "use_karras_sigmas": false, "variance_type": null, "thresholding": false}""", "options.json");

        assertThat(config.noise()).isEqualTo(new NoiseScheduleConfig(500, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR));
        assertThat(config.solverOrder()).isEqualTo(1);
        assertThat(config.solverType()).isEqualTo(SolverType.HEUN);
        assertThat(config.lowerOrderFinal()).isFalse();
        assertThat(config.eulerAtFinal()).isTrue();
        assertThat(config.finalSigmasType()).isEqualTo(FinalSigmasType.SIGMA_MIN);
        assertThat(config.lambdaMinClipped()).isEqualTo(-5.1);
        assertThat(config.timestepSpacing()).isEqualTo(TimestepSpacing.LEADING);
        assertThat(config.stepsOffset()).isEqualTo(1);
    }

    @Test
    void mapsTheSolverTypesDiffusersMapsToMidpoint() {
        SchedulerConfig config = SchedulerConfig.parse(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_type\": \"bh2\"}", "x.json");

        assertThat(((DpmSolverConfig) config).solverType()).isEqualTo(SolverType.MIDPOINT);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "algorithm_type        | '\"sde-dpmsolver++\"' | only dpmsolver++",
            "solver_order          | 3                     | must be 1 or 2",
            "solver_type           | '\"euler\"'           | midpoint or heun",
            "use_karras_sigmas     | true                  | training noise levels",
            "use_exponential_sigmas| true                  | training noise levels",
            "use_beta_sigmas       | true                  | training noise levels",
            "use_lu_lambdas        | true                  | training noise levels",
            "final_sigmas_type     | '\"denoise_to_zero\"' | expected one of [zero, sigma_min]",
            "lambda_min_clipped    | NaN                   | NaN",
            "variance_type         | '\"learned_range\"'   | epsilon only",
            "timestep_spacing      | '\"karras\"'          | expected one of [linspace, leading, trailing]",
            "steps_offset          | -1                    | must not be negative",
            "prediction_type       | '\"v_prediction\"'    | only epsilon",
            "thresholding          | true                  | not supported",
            "trained_betas         | '[0.1, 0.2]'          | explicit betas",
            "rescale_betas_zero_snr| true                  | not supported",
            "beta_schedule         | '\"sigmoid\"'         | expected one of [linear, scaled_linear, squaredcos_cap_v2]",
            "beta_start            | 1.5                   | [0, 1)",
            "beta_end              | -0.02                 | [0, 1)",
            "num_train_timesteps   | 1                     | at least 2",
            "num_train_timesteps   | 1000.5                | expected an integer",
            "num_train_timesteps   | '\"1000\"'            | expected an integer",
            "lower_order_final     | 1                     | expected true or false",
            "beta_start            | '\"small\"'           | expected a number"})
    void refusesInvalidOrUnsupportedValuesNamingFileAndField(String field, String json, String problem) {
        String text = "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"" + field + "\": " + json + "}";

        assertRefused(text, "bad/scheduler_config.json", field).hasMessageContaining(problem);
    }

    @Test
    void refusesMissingOrUnknownClasses() {
        assertRefused("{\"beta_start\": 0.0001}", "a.json", "_class_name").hasMessageContaining("missing");
        assertRefused("{\"_class_name\": \"EulerDiscreteScheduler\"}", "b.json", "_class_name")
                .hasMessageContaining("EulerDiscreteScheduler is not supported");
    }

    @Test
    void refusesTextThatIsNotAJsonObject() {
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"_class_name\": ", "broken.json"))
                .isInstanceOf(SchedulerConfigException.class)
                .hasMessageStartingWith("broken.json: not valid JSON");
        assertThatThrownBy(() -> SchedulerConfig.parse("[1, 2]", "array.json"))
                .isInstanceOf(SchedulerConfigException.class)
                .hasMessage("array.json: expected a JSON object");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = Path.of("/nonexistent/scheduler_config.json");

        assertThatThrownBy(() -> SchedulerConfig.load(missing))
                .isInstanceOf(SchedulerConfigException.class)
                .hasMessageStartingWith(missing + ": cannot read");
    }

    static AbstractThrowableAssert<?, ?> assertRefused(String json, String origin, String field) {
        return assertThatThrownBy(() -> SchedulerConfig.parse(json, origin))
                .isInstanceOfSatisfying(SchedulerConfigException.class, e -> {
                    assertThat(e.origin()).isEqualTo(origin);
                    assertThat(e.field()).isEqualTo(field);
                })
                .hasMessageStartingWith(origin + ": field \"" + field + "\": ");
    }
}
