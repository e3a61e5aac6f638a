package dev.lumen.gateway.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.gateway.GatewayProperties;
import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models}: the configured models, in the shape of OpenAI's model list, each with
 * the worker pool serving it and the defaults applied to omitted request fields.
 */
@RestController
public class ModelsController {
    private final ModelList list;

    public ModelsController(GatewayProperties properties) {
        this.list = new ModelList("list", properties.models().stream()
                .map(m -> new ModelInfo(m.name(), "model", "lumen", m.pool(),
                        new Defaults(m.defaultSize(), m.defaultSteps(), m.defaultSampler(), m.defaultGuidanceScale())))
                .toList());
    }

    /** OpenAI's list envelope. */
    public record ModelList(String object, List<ModelInfo> data) {
    }

    /** One model. */
    public record ModelInfo(String id, String object, @JsonProperty("owned_by") String ownedBy, String pool,
                            Defaults defaults) {
    }

    /** What an omitted field becomes. */
    public record Defaults(String size, int steps, String sampler, @JsonProperty("guidance_scale") double guidanceScale) {
    }

    @Operation(summary = "Models served, with their pools and defaults")
    @GetMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    public ModelList models() {
        return list;
    }
}
