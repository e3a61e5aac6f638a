package dev.lumen.gateway.layouts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;

/**
 * The layout JSON and layout-service's request and answer shapes as the OpenAPI document shows
 * them. Documentation only: the gateway reads layouts with the contract's {@code LayoutJson} and
 * relays layout-service's answers untouched; these records give the wire form (a box is an array
 * of four numbers) that the contract's records cannot describe without depending on springdoc.
 */
public final class LayoutDocs {
    private LayoutDocs() {
    }

    @Schema(name = "Layout", description = "A layout prompt (layout.md §4). Limits: 1-10 regions (configurable up to 16);"
            + " boxes inside the image with both sides at least 1/32; region and background captions at most 400"
            + " characters; unknown fields refused.")
    public record Layout(
            @Schema(description = "The global caption; the job's prompt when omitted", maxLength = 2000) String caption,
            @Schema(description = "The scene without the entities, for tokens no box covers; the global caption when"
                    + " omitted", maxLength = 400) String background,
            @ArraySchema(minItems = 1, maxItems = 16, schema = @Schema(implementation = Region.class)) List<Region> regions,
            Control control) {
    }

    @Schema(name = "LayoutRegion", description = "One region: a box and the caption steering the image inside it"
            + " (attributes, not relations: \"a red apple\"). Overlaps: the smallest box wins; equal areas, the later one.")
    public record Region(
            @ArraySchema(minItems = 4, maxItems = 4, arraySchema = @Schema(description = "[x0, y0, x1, y1] as fractions of"
                    + " the image, origin top-left, y down; 0 <= x0 < x1 <= 1, 0 <= y0 < y1 <= 1",
                    example = "[0.05, 0.55, 0.45, 0.95]"), schema = @Schema(type = "number", minimum = "0", maximum = "1"))
            List<Double> box,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, maxLength = 400, example = "a green mug") String caption,
            @Schema(description = "optional id echoed in metadata", pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$") String id) {
    }

    @Schema(name = "LayoutControl", description = "Regional-attention knobs, each optional (engine defaults).")
    public record Control(
            @Schema(description = "1 - beta for both attentions: 0 = no regional steering, 1 = regions only",
                    minimum = "0", maximum = "1", example = "0.8") Double strength,
            @JsonProperty("until_t") @Schema(description = "regional steps are those with scheduler timestep >= until_t",
                    minimum = "0", maximum = "1000", example = "600") Integer untilT,
            @JsonProperty("self_attention") @Schema(description = "restrict self-attention to each region too")
            Boolean selfAttention,
            @Schema(allowableValues = {"smallest-wins", "union"}) String overlap) {
    }

    @Schema(name = "LayoutPlanRequest")
    public record PlanRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, maxLength = 2000,
                    example = "a red ball to the left of a blue cube") String prompt,
            @Schema(minimum = "16", maximum = "8192", defaultValue = "512") Integer width,
            @Schema(minimum = "16", maximum = "8192", defaultValue = "512") Integer height,
            @JsonProperty("max_regions") @Schema(minimum = "1", maximum = "16", defaultValue = "10") Integer maxRegions,
            @Schema(allowableValues = {"auto", "rule", "llm"}, defaultValue = "auto") String planner) {
    }

    @Schema(name = "LayoutPlanResponse")
    public record PlanResponse(Layout layout,
                               @Schema(description = "which planner made it, and its version (with its lexicon)")
                               Map<String, String> planner,
                               @Schema(description = "the intermediate representation: entities (head, phrase, count,"
                                       + " attributes), relations, absolute places, arrangements, background")
                               Map<String, Object> ir,
                               Scores scores, List<String> warnings) {
    }

    @Schema(name = "LayoutValidateRequest")
    public record ValidateRequest(Layout layout,
                                  @Schema(description = "stands in for a missing layout caption") String prompt,
                                  @Schema(defaultValue = "512") Integer width,
                                  @Schema(defaultValue = "512") Integer height,
                                  @JsonProperty("max_regions") @Schema(defaultValue = "10") Integer maxRegions) {
    }

    @Schema(name = "LayoutValidateResponse")
    public record ValidateResponse(boolean valid, @Schema(description = "whitespace trimmed, caption filled in") Layout layout,
                                   Scores scores, List<String> warnings) {
    }

    @Schema(name = "LayoutScores", description = "layout.md §6.4: alignment (lower is better), unintended overlap,"
            + " constraint satisfaction, count fidelity, coverage, smallest side, validity and the ranking score")
    public record Scores(double alignment, double overlap, @JsonProperty("constraint_satisfaction") Double constraints,
                         @JsonProperty("count_fidelity") Double countFidelity, double coverage,
                         @JsonProperty("min_side") double minSide, boolean valid, Double score) {
    }
}
