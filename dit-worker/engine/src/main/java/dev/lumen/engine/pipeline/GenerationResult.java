package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.DensityReport;
import java.util.List;

/**
 * What a run produced: {@code images} (per batch item, float32 {@code [H, W, 3]} in [0, 1], before
 * quantisation), the raw VAE output {@code decoded [B, 3, H, W]}, the latents after every step, the
 * timesteps, where the time went, and the token-density plan that ran with its transformer FLOPs
 * against the dense model's ({@code density}).
 */
public record GenerationResult(List<HostTensor> images, HostTensor decoded, List<HostTensor> latentsPerStep,
                               int[] timesteps, Timings timings, DensityReport density) {

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
