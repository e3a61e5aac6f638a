package dev.lumen.layout.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lumen.contracts.layout.Box;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The §6.4 metrics against values worked out by hand, and the relation checks on both sides of their thresholds. */
class LayoutScorerTest {
    @Test
    void alignmentIsTheMeanLogOfTheNearestCoordinateGap() {
        // Left edges 0.1 and 0.12: d = 0.02 for both boxes (no closer coordinate pair).
        List<Box> boxes = List.of(new Box(0.1, 0.1, 0.3, 0.2), new Box(0.12, 0.5, 0.5, 0.9));
        assertThat(LayoutScorer.alignment(boxes)).isCloseTo(-Math.log(1 - 0.02), within(1e-12));
        assertThat(LayoutScorer.alignment(List.of(new Box(0, 0, 1, 1)))).isZero();
        // Two boxes aligned on their centres score 0.
        assertThat(LayoutScorer.alignment(List.of(new Box(0.1, 0.1, 0.3, 0.2), new Box(0.0, 0.5, 0.4, 0.9)))).isZero();
    }

    @Test
    void overlapCountsOnlyUnintendedPairsRelativeToEachBoxsArea() {
        Box a = new Box(0, 0, 0.5, 0.5);       // area 0.25
        Box b = new Box(0.25, 0.25, 0.5, 0.5); // area 0.0625, inside a
        double expected = (0.0625 / 0.25 + 0.0625 / 0.0625) / 2;
        assertThat(LayoutScorer.overlap(List.of(a, b), LayoutScorer.OverlapIntent.NONE)).isCloseTo(expected, within(1e-12));
        assertThat(LayoutScorer.overlap(List.of(a, b), (i, j) -> true)).isZero();
    }

    @Test
    void coverageIsTheExactUnionArea() {
        List<Box> boxes = List.of(new Box(0, 0, 0.5, 0.5), new Box(0.25, 0.25, 0.75, 0.75), new Box(0.9, 0.9, 1, 1));
        assertThat(LayoutScorer.coverage(boxes)).isCloseTo(0.25 + 0.25 - 0.0625 + 0.01, within(1e-12));
    }

    @Test
    void theRankingScoreWeighsConstraintsOverlapAlignmentCoverageAndCounts() {
        List<Box> boxes = List.of(new Box(0.1, 0.3, 0.4, 0.7), new Box(0.6, 0.3, 0.9, 0.7));
        LayoutScores s = LayoutScorer.score(boxes, LayoutScorer.OverlapIntent.NONE, 0.5, 1.0, false);
        // alignment 0 (shared top), overlap 0, coverage 0.24 in range: 0.25 + 0.2 + 0.1 + 0.1 + 0.1
        assertThat(s.score()).isEqualTo(0.75);
        assertThat(s.coverage()).isEqualTo(0.24);
        assertThat(s.minSide()).isEqualTo(0.3);
        assertThat(s.valid()).isTrue();
        assertThat(LayoutScorer.score(boxes, LayoutScorer.OverlapIntent.NONE, null, null, false).score()).isNull();
    }

    @Test
    void checksFollowTheirThresholds() {
        Box left = new Box(0.1, 0.4, 0.3, 0.6);   // cx 0.2
        Box near = new Box(0.14, 0.4, 0.34, 0.6); // cx 0.24: closer than tau
        Box right = new Box(0.6, 0.4, 0.8, 0.6);  // cx 0.7
        assertThat(ConstraintChecks.relation("left_of", left, right, null)).isTrue();
        assertThat(ConstraintChecks.relation("left_of", left, near, null)).isFalse();
        assertThat(ConstraintChecks.relation("right_of", right, left, null)).isTrue();
        assertThat(ConstraintChecks.relation("next_to", left, right, null)).isTrue();
        assertThat(ConstraintChecks.relation("next_to", left, near, null)).isFalse(); // they overlap
        Box table = new Box(0.1, 0.6, 0.9, 0.9);
        assertThat(ConstraintChecks.relation("on", new Box(0.3, 0.45, 0.5, 0.65), table, null)).isTrue();
        assertThat(ConstraintChecks.relation("on", new Box(0.3, 0.2, 0.5, 0.4), table, null)).isFalse(); // floating
        assertThat(ConstraintChecks.relation("in", new Box(0.2, 0.65, 0.3, 0.8), table, null)).isTrue();
        assertThat(ConstraintChecks.relation("between", new Box(0.4, 0.4, 0.5, 0.6), left, right)).isTrue();
        assertThat(ConstraintChecks.place("left", left)).isTrue();
        assertThat(ConstraintChecks.place("left", new Box(0.3, 0.4, 0.62, 0.6))).isFalse(); // cx 0.46
        assertThat(ConstraintChecks.place("center", new Box(0.4, 0.4, 0.6, 0.6))).isTrue();
        assertThat(ConstraintChecks.place("bottom-right", new Box(0.6, 0.6, 0.9, 0.9))).isTrue();
        assertThat(ConstraintChecks.arrangement("row", List.of(left, right))).isTrue();
        assertThat(ConstraintChecks.arrangement("row", List.of(left, new Box(0.6, 0.1, 0.8, 0.3)))).isFalse();
    }
}
