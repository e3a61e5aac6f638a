package dev.lumen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Progress, cancellation, seeded noise and input validation of the pipeline. */
class PipelineControlTest {
    private static PixArtPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = PixArtPipeline.load(ModelFolder.open(Fixtures.model(), "transformer-noac", null), new CpuOps());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static GenerationRequest request(List<String> prompts, int steps, long seed) {
        return new GenerationRequest(prompts, "", steps, 4.5, 32, 32, seed, PipelineInputs.NONE);
    }

    @Test
    void reportsEveryStepAndStopsBetweenStepsWhenCancelled() {
        List<Integer> seen = new ArrayList<>();
        pipeline.generate(request(List.of("a fox"), 3, 1),
                GenerationListener.onSteps((step, steps, t, latents) -> seen.add(step)), () -> false);
        assertThat(seen).containsExactly(0, 1, 2);

        AtomicInteger done = new AtomicInteger();
        assertThatThrownBy(() -> pipeline.generate(request(List.of("a fox"), 5, 1),
                GenerationListener.onSteps((step, steps, t, latents) -> done.incrementAndGet()), () -> done.get() >= 2))
                .isInstanceOf(GenerationCancelledException.class).hasMessageContaining("after 2 step");
    }

    @Test
    void seededNoiseIsDeterministicAndPerImage() {
        GenerationResult a = pipeline.generate(request(List.of("a fox", "a lamp"), 2, 11));
        GenerationResult b = pipeline.generate(request(List.of("a fox", "a lamp"), 2, 11));
        GenerationResult single = pipeline.generate(request(List.of("a lamp"), 2, 12));
        GenerationResult other = pipeline.generate(request(List.of("a fox"), 2, 99));
        assertThat(a.images().get(0).values()).containsExactly(b.images().get(0).values());
        // Image i of a batch equals a single run with seed + i.
        assertThat(Fixtures.relativeError(a.images().get(1).values(), single.images().get(0).values())).isLessThan(1e-5);
        assertThat(Fixtures.relativeError(a.images().get(0).values(), other.images().get(0).values())).isGreaterThan(1e-3);
    }

    @Test
    void rejectsSizesAndInputsThatDoNotFit() {
        assertThatThrownBy(() -> pipeline.generate(new GenerationRequest(List.of("x"), "", 2, 4.5, 36, 32, 0,
                PipelineInputs.NONE))).hasMessageContaining("multiples of 8");
        PipelineInputs wrong = new PipelineInputs(java.util.Map.of("latents_init",
                new HostTensor(new float[4 * 4 * 4], new int[] {1, 4, 4, 4})));
        assertThatThrownBy(() -> pipeline.generate(new GenerationRequest(List.of("x"), "", 2, 4.5, 32, 32, 0, wrong)))
                .hasMessageContaining("latents_init").hasMessageContaining("[1, 4, 8, 8]");
        assertThatThrownBy(() -> new GenerationRequest(List.of("x"), "", 0, 4.5, 32, 32, 0, null))
                .hasMessageContaining("steps");
    }
}
