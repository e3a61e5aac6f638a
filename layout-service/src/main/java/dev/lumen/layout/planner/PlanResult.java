package dev.lumen.layout.planner;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.layout.scoring.LayoutScores;
import java.util.List;

/**
 * A planned layout and how it came about: the layout itself (what a job uses), the planner and
 * version, the IR the text was read as, the layout's scores, and warnings (counts capped,
 * relations dropped, unknown words). This is also the JSON answer of {@code POST /v1/layouts}.
 */
@JsonPropertyOrder({"layout", "planner", "ir", "scores", "warnings"})
public record PlanResult(Layout layout, Planner planner, LayoutIR ir, LayoutScores scores, List<String> warnings) {
    public PlanResult {
        warnings = List.copyOf(warnings);
    }

    /** Which planner made a layout. */
    public record Planner(String name, String version) {
    }
}
