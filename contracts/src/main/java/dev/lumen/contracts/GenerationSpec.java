package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.density.TokenDensitySpec;
import dev.lumen.contracts.layout.Layout;
import tools.jackson.databind.JsonNode;

/**
 * What to generate, as validated by the gateway: the engine's settings for one job. {@code layout}
 * is a layout prompt ({@link Layout}; since schema v1.1 with {@code background}, {@code control} and
 * region ids) or {@code null} for a plain prompt; a layout without its own caption takes the prompt
 * as its global caption (v1 producers could leave it out). {@code tokenDensity} is the request's
 * {@code token_density} in the canonical JSON form of {@link TokenDensitySpec#toJson()} (since
 * v1.2: a preset name, a number in (0, 1] or {@code {"rules": [...]}}); {@code null} means none,
 * the dense model. It stays JSON because v1 and v1.1 carried an engine-owned object here that no
 * worker ever ran: such messages stay readable, and workers read the value with
 * {@link TokenDensitySpec#read} and refuse one that does not parse.
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

    /**
     * Jobs with equal keys can run in one batch: same model, size, steps, sampler and token density.
     * The engine runs one density plan for every row of a batch, so jobs asking for different
     * densities never share one; no density and {@code "full"} are the same dense model.
     */
    public String batchKey() {
        return model + "|" + width + "x" + height + "|" + steps + "|" + sampler + "|" + densityKey();
    }

    private String densityKey() {
        if (tokenDensity == null || tokenDensity.isNull() || tokenDensity.isMissingNode()) {
            return "full";
        }
        return tokenDensity.isString() ? tokenDensity.asString() : tokenDensity.toString();
    }
}
