package dev.lumen.layout.scoring;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A layout's quality without any image ({@code layout.md} §6.4). {@code alignment}
 * (LayoutGAN++'s, lower is better), {@code overlap} over pairs that are not meant to overlap,
 * {@code constraintSatisfaction} and {@code countFidelity} against the text's IR (null for a user
 * layout, which has none), {@code coverage} = union of boxes over the canvas, {@code minSide} = the
 * smallest box side, {@code valid} = every box inside the canvas with positive size, and
 * {@code score} = 0.5·constraints + 0.2·(1 − overlap) + 0.1·(1 − min(alignment, 1)) +
 * 0.1·[coverage within 0.1..0.9, or stuff present] + 0.1·count fidelity (null without an IR).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayoutScores(double alignment, double overlap,
                           @JsonProperty("constraint_satisfaction") Double constraintSatisfaction,
                           @JsonProperty("count_fidelity") Double countFidelity,
                           double coverage, @JsonProperty("min_side") double minSide, boolean valid, Double score) {
}
