package dev.lumen.layout;

import dev.lumen.contracts.layout.InvalidLayoutException;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.layout.planner.Lexicon;
import dev.lumen.layout.planner.NothingToPlaceException;
import dev.lumen.layout.planner.PlanRequest;
import dev.lumen.layout.planner.PlanResult;
import dev.lumen.layout.planner.RulePlanner;
import dev.lumen.layout.review.LayoutReview;
import dev.lumen.layout.scoring.LayoutScores;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * layout-service as a plain Java library: planning a layout from a prompt and validating a user
 * layout, with no Spring and no HTTP, for callers in the same process ({@code ./lumen generate
 * --layout auto}). The HTTP service answers with exactly these results.
 *
 * <pre>{@code
 * LayoutPlanning planning = LayoutPlanning.create();
 * Layout layout = planning.plan("a red ball to the left of a blue cube", 512, 512).layout();
 * }</pre>
 */
public final class LayoutPlanning {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RulePlanner planner;
    private final LayoutReview review;
    private final LayoutLimits limits;

    private LayoutPlanning(Lexicon lexicon, LayoutLimits limits) {
        this.planner = new RulePlanner(lexicon);
        this.review = new LayoutReview(lexicon);
        this.limits = limits;
    }

    /** The rule planner on the bundled lexicon, with the default limits (10 regions). */
    public static LayoutPlanning create() {
        return create(LayoutLimits.DEFAULT);
    }

    public static LayoutPlanning create(LayoutLimits limits) {
        return new LayoutPlanning(Lexicon.load(), limits);
    }

    public LayoutLimits limits() {
        return limits;
    }

    public RulePlanner planner() {
        return planner;
    }

    /**
     * Plans a layout for a prompt at an output size, with at most the configured number of regions.
     *
     * @throws NothingToPlaceException when the prompt names nothing the planner can place
     */
    public PlanResult plan(String prompt, int width, int height) {
        return plan(new PlanRequest(prompt, width, height, limits.maxRegions()));
    }

    /** Plans a layout; {@code request.maxRegions()} may not exceed this instance's limit. */
    public PlanResult plan(PlanRequest request) {
        if (request.maxRegions() > limits.maxRegions()) {
            throw new IllegalArgumentException("max regions " + request.maxRegions() + " is above the limit "
                    + limits.maxRegions());
        }
        return planner.plan(request);
    }

    /** A validated, normalised layout with its scores and warnings. */
    public record Validation(boolean valid, Layout layout, LayoutScores scores, List<String> warnings) {
    }

    /**
     * Validates a layout given as JSON (an API body's {@code layout}).
     *
     * @param prompt stands in for a missing caption; null to require one
     * @throws InvalidLayoutException naming every field at fault
     */
    public Validation validate(JsonNode layout, String prompt, int width, int height, int maxRegions) {
        Layout read = LayoutJson.read(layout, "layout", limits.withMaxRegions(Math.min(maxRegions, limits.maxRegions())), prompt);
        LayoutReview.Reviewed reviewed = review.review(read, width, height);
        return new Validation(true, reviewed.layout(), reviewed.scores(), reviewed.warnings());
    }

    /** Validates a layout file's text (the layout JSON of {@code layout.md} §4). */
    public Validation validate(String layoutJson, String prompt, int width, int height) {
        JsonNode tree;
        try {
            tree = JSON.readTree(layoutJson);
        } catch (tools.jackson.core.JacksonException e) {
            throw new InvalidLayoutException(List.of(new dev.lumen.contracts.layout.LayoutProblem("layout",
                    "is not valid JSON: " + e.getOriginalMessage())));
        }
        return validate(tree, prompt, width, height, limits.maxRegions());
    }

    /** A result as the JSON the service answers with (the IR, scores and warnings included). */
    public static String toJson(Object result) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    }
}
