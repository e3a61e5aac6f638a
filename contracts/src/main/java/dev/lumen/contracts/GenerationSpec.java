package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;

/**
 * What to generate, as validated by the gateway: the engine's settings for one job. {@code layout}
 * and {@code tokenDensity} travel as JSON (their own schemas are versioned with this message);
 * {@code null} means none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationSpec(String model, String prompt, String negativePrompt, int n, int width, int height,
                             int steps, double guidanceScale, String sampler, long seed, int priority,
                             JsonNode layout, JsonNode tokenDensity) {

    /** Jobs with equal keys can run in one batch: same model, size, steps and sampler. */
    public String batchKey() {
        return model + "|" + width + "x" + height + "|" + steps + "|" + sampler;
    }
}
