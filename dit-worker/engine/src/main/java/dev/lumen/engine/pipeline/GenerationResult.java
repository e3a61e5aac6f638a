package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.DensityReport;
import java.util.List;

/**
 * What a run produced: {@code images} (per batch item, float32 {@code [H, W, 3]} in [0, 1], before
 * quantisation), the raw VAE output {@code decoded [B, 3, H, W]}, the latents after every step, the
 * timesteps, where the time went, what the caller should hear about the request (a layout box
 * that covers no token, a truncated caption, an experimental token density), and the token-density plan that ran with its
 * transformer FLOPs against the dense model's ({@code density}; null where no plan was compiled).
 */
public record GenerationResult(List<HostTensor> images, HostTensor decoded, List<HostTensor> latentsPerStep,
                               int[] timesteps, Timings timings, List<String> warnings, DensityReport density) {

    public GenerationResult {
        warnings = List.copyOf(warnings);
    }

    public GenerationResult(List<HostTensor> images, HostTensor decoded, List<HostTensor> latentsPerStep,
                            int[] timesteps, Timings timings) {
        this(images, decoded, latentsPerStep, timesteps, timings, List.of(), null);
    }

    public GenerationResult(List<HostTensor> images, HostTensor decoded, List<HostTensor> latentsPerStep,
                            int[] timesteps, Timings timings, List<String> warnings) {
        this(images, decoded, latentsPerStep, timesteps, timings, warnings, null);
    }

    public GenerationResult(List<HostTensor> images, HostTensor decoded, List<HostTensor> latentsPerStep,
                            int[] timesteps, Timings timings, DensityReport density) {
        this(images, decoded, latentsPerStep, timesteps, timings, List.of(), density);
    }

    /** Milliseconds per stage. */
    public record Timings(double tokenizeMs, double textEncoderMs, double[] stepMs, double vaeMs) {
        public double totalMs() {
            double t = tokenizeMs + textEncoderMs + vaeMs;
            for (double s : stepMs) {
                t += s;
            }
            return t;
        }
    }
}
