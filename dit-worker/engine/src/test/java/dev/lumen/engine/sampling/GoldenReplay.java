package dev.lumen.engine.sampling;

import dev.lumen.engine.testing.Fixtures;

import dev.lumen.engine.format.TensorSource;
import java.nio.file.Path;

/**
 * Replays a golden pipeline run ({@code golden/pipeline_*.safetensors}) through a scheduler: starting
 * from {@code latents_init}, step i is fed the recorded {@code model_output_step{i}} (and for LCM
 * {@code noise_step{i}}) and the scheduler's own previous output, and every result is compared with the
 * recorded {@code latents_step{i}}.
 */
final class GoldenReplay {
    private GoldenReplay() {
    }

    /** What a replay measured. */
    record Result(int[] goldenTimesteps, int[] timesteps, double[] relativeErrors) {
        double worst() {
            double worst = 0;
            for (double e : relativeErrors) {
                worst = Math.max(worst, e);
            }
            return worst;
        }
    }

    static Result replay(String goldenFile, Scheduler scheduler) {
        Path path = PixartTinyFixtures.path("golden/" + goldenFile);
        try (TensorSource golden = TensorSource.open(path)) {
            float[] recorded = golden.floats("timesteps");
            int[] goldenTimesteps = new int[recorded.length];
            for (int i = 0; i < recorded.length; i++) {
                goldenTimesteps[i] = Math.round(recorded[i]);
            }
            Schedule schedule = scheduler.start(goldenTimesteps.length);
            double[] errors = new double[schedule.size()];
            float[] latents = golden.floats("latents_init");
            for (int i = 0; i < schedule.size(); i++) {
                float[] eps = golden.floats("model_output_step" + i);
                float[] noise = schedule.needsNoise(i) ? golden.floats("noise_step" + i) : null;
                latents = schedule.step(i, eps, latents, noise);
                errors[i] = Fixtures.relativeError(latents, golden.floats("latents_step" + i));
            }
            return new Result(goldenTimesteps, schedule.timesteps(), errors);
        }
    }
}
