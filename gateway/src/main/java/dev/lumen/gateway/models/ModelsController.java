package dev.lumen.gateway.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.density.DensityPresetName;
import dev.lumen.gateway.GatewayProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models}: the configured models, in the shape of OpenAI's model list, each with
 * the worker pool serving it, the defaults applied to omitted request fields, and the token-density
 * presets it takes with whether each is experimental (from the contracts'
 * {@link DensityPresetName}, so clients such as the playground need not hardcode either).
 */
@RestController
public class ModelsController {
    /** Every model runs every preset: the engine scales them to the model's depth (ADR 9). */
    private static final List<TokenDensityPreset> PRESETS = Arrays.stream(DensityPresetName.values())
            .map(p -> new TokenDensityPreset(p.label(), p.experimental())).toList();

    private final ModelList list;

    public ModelsController(GatewayProperties properties) {
        this.list = new ModelList("list", properties.models().stream()
                .map(m -> new ModelInfo(m.name(), "model", "lumen", m.pool(),
                        new Defaults(m.defaultSize(), m.defaultSteps(), m.defaultSampler(), m.defaultGuidanceScale()),
                        PRESETS))
                .toList());
    }

    /** OpenAI's list envelope. */
    public record ModelList(String object, List<ModelInfo> data) {
    }

    /** One model. */
    public record ModelInfo(String id, String object, @JsonProperty("owned_by") String ownedBy, String pool,
                            Defaults defaults,
                            @JsonProperty("token_density_presets") @Schema(description = "the token_density presets this"
                                    + " model takes, in order from the dense model to the cheapest")
                            List<TokenDensityPreset> tokenDensityPresets) {
    }

    /** What an omitted field becomes. */
    public record Defaults(String size, int steps, String sampler, @JsonProperty("guidance_scale") double guidanceScale) {
    }

    /** A token_density preset and whether it is experimental. */
    public record TokenDensityPreset(@Schema(example = "balanced") String name,
                                     @Schema(description = "true: the preset missed its quality bar (PSNR, SSIM and prompt"
                                             + " adherence against the dense model) in ./lumen bench density on the demo"
                                             + " model; it runs when asked for, with no fidelity promise"
                                             + " (docs/adr/0009)") boolean experimental) {
    }

    @Operation(summary = "Models served, with their pools, defaults and token-density presets")
    @GetMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    public ModelList models() {
        return list;
    }
}
