package dev.lumen.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.gateway.layouts.LayoutDocs;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/**
 * A generation request after validation: the body of {@code POST /v1/jobs} and the Lumen part of
 * {@code POST /v1/images/generations}, with defaults filled in from the model. {@code seed} stays
 * {@code null} when the client gave none; the job id then decides it (see {@link JobService}).
 * {@code autoLayout} marks {@code "layout": "auto"}: layout-service plans the layout before the job
 * is submitted ({@link #withLayout}). Also the documented request schema; the JSON names are
 * OpenAI's snake case.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "What to generate. Limits: prompt and negative_prompt at most 2000 characters; n 1-4; size WxH with"
        + " sides multiples of 8 within 64..2048; steps 1-50; guidance_scale 0-20; seed 0..2^53; priority -10..10.")
public record GenerationRequest(
        @Schema(description = "model name, see GET /v1/models; the first configured model if omitted") String model,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, maxLength = 2000) String prompt,
        @JsonProperty("negative_prompt") @Schema(maxLength = 2000) String negativePrompt,
        @Schema(minimum = "1", maximum = "4", defaultValue = "1") Integer n,
        @Schema(example = "512x512", description = "WxH; the model's default if omitted") String size,
        @Schema(minimum = "0", maximum = "9007199254740992") Long seed,
        @Schema(minimum = "1", maximum = "50") Integer steps,
        @JsonProperty("guidance_scale") @Schema(minimum = "0", maximum = "20") Double guidanceScale,
        @Schema(allowableValues = {"lcm", "dpm-solver"}) String sampler,
        @Schema(minimum = "-10", maximum = "10", defaultValue = "0") Integer priority,
        @Schema(oneOf = {LayoutDocs.Layout.class, String.class}, description = "A layout prompt: an object {caption?,"
                + " background?, regions: [{box: [x0, y0, x1, y1] as fractions of the image (origin top-left), caption,"
                + " id?}], control?} (caption defaults to the prompt; 1-10 regions; sides at least 1/32), or \"auto\""
                + " to have layout-service plan one from the prompt. GET /v1/jobs/{id} shows the layout used.") Layout layout,
        @JsonIgnore @Schema(hidden = true) boolean autoLayout,
        @JsonProperty("token_density") @Schema(description = "How much transformer compute to spend per image"
                + " (docs/adr/0009, 0015): a preset \"full\" (the dense model, the default), \"high\", \"balanced\","
                + " \"low\" or \"minimal\" (GET /v1/models lists them as token_density_presets; those with"
                + " \"experimental\": true missed their quality bar on the demo model and run anyway); a number in (0, 1],"
                + " the fraction of the dense transformer FLOPs to keep (the cheapest of high, balanced and low keeping at"
                + " least that runs; never minimal, whose mean_v and coarse blocks make no pixel-fidelity promise); or"
                + " {\"rules\": [{\"t\": [from, to], \"blocks\": \"first-last\", \"op\":"
                + " \"dense|kv_pool|kv_pool_local|mean_v|coarse\", \"s\": 2|4, \"mode\": \"avg|nearest\", \"window\": 2-64,"
                + " \"experimental\": true}]}, the last matching rule winning. GET /v1/jobs/{id} shows the plan that ran,"
                + " its FLOP fraction and whether it is experimental.") JsonNode tokenDensity) {

    /** This request with a planned layout in place of {@code "auto"}. */
    public GenerationRequest withLayout(Layout planned) {
        return new GenerationRequest(model, prompt, negativePrompt, n, size, seed, steps, guidanceScale, sampler, priority,
                planned, false, tokenDensity);
    }

    public int width() {
        return Integer.parseInt(size.substring(0, size.indexOf('x')));
    }

    public int height() {
        return Integer.parseInt(size.substring(size.indexOf('x') + 1));
    }

    /** The engine settings of this request, with the given seed. */
    GenerationSpec toSpec(long effectiveSeed) {
        if (autoLayout) {
            throw new IllegalStateException("layout \"auto\" must be planned before the job is built");
        }
        return new GenerationSpec(model, prompt, negativePrompt, n, width(), height(), steps, guidanceScale, sampler, effectiveSeed,
                priority, layout, tokenDensity);
    }
}
