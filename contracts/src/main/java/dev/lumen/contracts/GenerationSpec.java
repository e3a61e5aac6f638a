package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.layout.Layout;
import tools.jackson.databind.JsonNode;

/**
 * What to generate, as validated by the gateway: the engine's settings for one job. {@code layout}
 * is a layout prompt ({@link Layout}; since schema v1.1 with {@code background}, {@code control} and
 * region ids) or {@code null} for a plain prompt; a layout without its own caption takes the prompt
 * as its global caption (v1 producers could leave it out). {@code tokenDensity} travels as JSON
 * whose shape the engine owns; {@code null} means none.
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
                             Layout layout, JsonNode tokenDensity) {

    public GenerationSpec {
        if (layout != null && layout.caption() == null && prompt != null) {
            layout = layout.withCaption(prompt);
        }
    }

    /** Jobs with equal keys can run in one batch: same model, size, steps and sampler. */
    public String batchKey() {
        return model + "|" + width + "x" + height + "|" + steps + "|" + sampler;
    }
}
