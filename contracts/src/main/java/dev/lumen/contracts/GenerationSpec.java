package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;

/**
 * What to generate, as validated by the gateway: the engine's settings for one job. {@code layout}
 * and {@code tokenDensity} travel as JSON (their own schemas are versioned with this message);
 * {@code null} means none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationSpec(@JsonProperty(required = true) String model,
                             @JsonProperty(required = true) String prompt,
                             String negativePrompt,
                             @JsonProperty(required = true) int n,
                             @JsonProperty(required = true) int width,
                             @JsonProperty(required = true) int height,
                             @JsonProperty(required = true) int steps,
                             @JsonProperty(required = true) double guidanceScale,
                             @JsonProperty(required = true) String sampler,
                             @JsonProperty(required = true) long seed,
                             @JsonProperty(required = true) int priority,
                             JsonNode layout, JsonNode tokenDensity) {

    /** Jobs with equal keys can run in one batch: same model, size, steps and sampler. */
    public String batchKey() {
        return model + "|" + width + "x" + height + "|" + steps + "|" + sampler;
    }
}
