package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.TokenDensity;
import java.util.List;

/**
 * One call of the pipeline: a batch of prompts sharing the negative prompt and settings.
 * {@code guidanceScale ≤ 1} disables classifier-free guidance (one transformer pass per step, as
 * PixArt-LCM is meant to run). Prompts may be empty strings (or absent when explicit embeddings
 * are given in {@code inputs}). {@code tokenDensity} (null: {@link TokenDensity#FULL}, the dense
 * model) thins the image tokens of chosen blocks and steps (docs/adr/0009).
 */
public record GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                                int width, int height, long seed, PipelineInputs inputs, TokenDensity tokenDensity) {

    public GenerationRequest {
        prompts = List.copyOf(prompts);
        tokenDensity = tokenDensity == null ? TokenDensity.FULL : tokenDensity;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        inputs = inputs == null ? PipelineInputs.NONE : inputs;
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is needed");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("width and height must be positive, got " + width + "×" + height);
        }
        if (!Double.isFinite(guidanceScale)) {
            throw new IllegalArgumentException("guidance scale must be a finite number");
        }
    }

    /** A dense request. */
    public GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                             int width, int height, long seed, PipelineInputs inputs) {
        this(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, TokenDensity.FULL);
    }

    /** This request with another token density. */
    public GenerationRequest withTokenDensity(TokenDensity density) {
        return new GenerationRequest(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, density);
    }

    public boolean classifierFreeGuidance() {
        return guidanceScale > 1.0;
    }

    public int batch() {
        return prompts.size();
    }
}
