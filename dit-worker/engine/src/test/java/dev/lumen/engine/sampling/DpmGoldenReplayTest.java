package dev.lumen.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DPM-Solver++ against the diffusers 0.31.0 pipeline goldens of pixart-tiny (model/scheduler). */
class DpmGoldenReplayTest {
    /** The goldens agree with a float64 recomputation to < 1e-6; 1e-5 leaves room for libm differences. */
    private static final double TOLERANCE = 1e-5;

    private static Scheduler scheduler;

    @BeforeAll
    static void load() {
        scheduler = Scheduler.load(PixartTinyFixtures.dpmConfig());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipeline_dpm4", "pipeline_dpm8", "pipeline_text_dpm4", "pipeline_ac_dpm4",
            "pipeline_ac_dpm4_rect", "pipeline_ac_dpm4_batch2"})
    void replaysTheReferenceLatents(String golden) {
        GoldenReplay.Result result = GoldenReplay.replay(golden + ".safetensors", scheduler);

        assertThat(result.timesteps()).containsExactly(result.goldenTimesteps());
        System.out.printf("%s: relative error per step %s, worst %.3e%n", golden,
                Arrays.toString(Arrays.stream(result.relativeErrors()).mapToObj(e -> String.format("%.2e", e))
                        .toArray()), result.worst());
        assertThat(result.worst()).as("worst relative error over the steps").isLessThanOrEqualTo(TOLERANCE);
    }
}
