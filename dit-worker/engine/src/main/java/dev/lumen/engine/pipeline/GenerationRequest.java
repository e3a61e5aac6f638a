package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.TokenDensity;
import dev.lumen.engine.layout.RegionalLayout;
import java.util.List;

/**
 * One call of the pipeline: a batch of prompts sharing the negative prompt and settings.
 * {@code guidanceScale ≤ 1} disables classifier-free guidance (one transformer pass per step, as
 * PixArt-LCM is meant to run). Prompts may be empty strings (or absent when explicit embeddings
 * are given in {@code inputs}). An optional {@code layout} composes every image of the batch with
 * regional attention (layout.md §3); its caption is then the prompt of every batch item.
 * {@code tokenDensity} (null: {@link TokenDensity#FULL}, the dense model) thins the image tokens of
 * chosen blocks and steps (docs/adr/0009); with a layout, never across regions at regional steps.
 */
public record GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                                int width, int height, long seed, PipelineInputs inputs, RegionalLayout layout,
                                TokenDensity tokenDensity) {

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
        if (layout != null) {
            for (String prompt : prompts) {
                if (!prompt.equals(layout.caption())) {
                    throw new IllegalArgumentException("a request with a layout takes its prompt from the layout's caption \""
                            + layout.caption() + "\", got the prompt \"" + prompt + "\"");
                }
            }
        }
    }

    /** A dense request with a layout (null: none). */
    public GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                             int width, int height, long seed, PipelineInputs inputs, RegionalLayout layout) {
        this(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, layout, TokenDensity.FULL);
    }

    /** A request without layout at a token density. */
    public GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                             int width, int height, long seed, PipelineInputs inputs, TokenDensity tokenDensity) {
        this(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, null, tokenDensity);
    }

    /** A batch of {@code count} images of one layout (the layout's caption is their prompt). */
    public static GenerationRequest withLayout(RegionalLayout layout, int count, String negativePrompt, int steps,
                                               double guidanceScale, int width, int height, long seed,
                                               PipelineInputs inputs) {
        return new GenerationRequest(java.util.Collections.nCopies(count, layout.caption()), negativePrompt, steps,
                guidanceScale, width, height, seed, inputs, layout, TokenDensity.FULL);
    }

    /** A dense request without layout. */
    public GenerationRequest(List<String> prompts, String negativePrompt, int steps, double guidanceScale,
                             int width, int height, long seed, PipelineInputs inputs) {
        this(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, null, TokenDensity.FULL);
    }

    /** This request (its layout included) with another token density. */
    public GenerationRequest withTokenDensity(TokenDensity density) {
        return new GenerationRequest(prompts, negativePrompt, steps, guidanceScale, width, height, seed, inputs, layout,
                density);
    }

    public boolean classifierFreeGuidance() {
        return guidanceScale > 1.0;
    }

    public int batch() {
        return prompts.size();
    }
}
