package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scorer against Java2D renders of the domain: right renders (clean, and blurred with noise;
 * at the domain's size and at twice it) must score at least 0.99 on every metric, and renders
 * that get one thing wrong must score about 0 on that thing.
 */
class ShapeScorerTest {
    private static final int CASES_PER_GROUP = 60;
    private static final Domain DOMAIN = Scenes.demoDomain(64, 64);
    private static final ShapeRenderer.Degrade SOFT = new ShapeRenderer.Degrade(0.6, 6);

    /** Sums and counts of each metric over a run (NaN values, "not asked", left out). */
    private record Run(double[] sums, int[] counts) {
        double mean(String metric) {
            int m = ImageScore.METRICS.indexOf(metric);
            return sums[m] / counts[m];
        }

        int n(String metric) {
            return counts[ImageScore.METRICS.indexOf(metric)];
        }
    }

    /** Scores CASES_PER_GROUP scenes of each group, each changed by {@code spoil} (null: skip the case). */
    private static Run run(double scale, ShapeRenderer.Degrade degrade, long seed, List<String> groups,
                           SpoilFactory spoilFactory) {
        Scenes scenes = new Scenes(DOMAIN, seed);
        UnaryOperator<Scenes.Case> spoil = spoilFactory.make(scenes);
        ShapeScorer scorer = new ShapeScorer(DOMAIN);
        double[] sums = new double[ImageScore.METRICS.size()];
        int[] counts = new int[sums.length];
        for (String group : groups) {
            for (int i = 0; i < CASES_PER_GROUP; i++) {
                Scenes.Case c = spoil.apply(scenes.next(group));
                if (c == null) {
                    continue;
                }
                BufferedImage image = ShapeRenderer.render(DOMAIN, c.drawn(), scale, degrade, scenes.random());
                double[] v = scorer.score(image, c.prompt()).values();
                for (int m = 0; m < v.length; m++) {
                    if (!Double.isNaN(v[m])) {
                        sums[m] += v[m];
                        counts[m]++;
                    }
                }
            }
        }
        return new Run(sums, counts);
    }

    private interface SpoilFactory {
        UnaryOperator<Scenes.Case> make(Scenes scenes);
    }

    private static Run runOne(String group, SpoilFactory spoil) {
        return run(1, SOFT, 23, List.of(group), spoil);
    }

    private static Scenes.Case withDrawn(Scenes.Case c, List<ShapeRenderer.Drawn> drawn) {
        return new Scenes.Case(c.prompt(), drawn);
    }

    @ParameterizedTest(name = "scale {0}, blur {1}, noise {2}")
    @CsvSource({"1, 0, 0", "1, 0.6, 6", "2, 0, 0", "2, 1.2, 6"})
    void rightRendersScoreRight(double scale, double blur, double noise) {
        Run run = run(scale, new ShapeRenderer.Degrade(blur, noise), 11, Scenes.GROUPS, scenes -> c -> c);
        for (String metric : ImageScore.METRICS) {
            assertThat(run.mean(metric)).as(metric).isGreaterThanOrEqualTo(0.99);
        }
        assertThat(run.n("all_ok")).isEqualTo(Scenes.GROUPS.size() * CASES_PER_GROUP);
        assertThat(run.n("size")).isGreaterThan(100);
        // Every image of the groups that name a cell or a relation (all but "count").
        assertThat(run.n("position")).isEqualTo(4 * CASES_PER_GROUP);
    }

    @Test
    void aWrongColourIsNotPresent() {
        Run run = runOne("one", scenes -> c -> {
            ShapeRenderer.Drawn d = c.drawn().getFirst();
            String asked = c.prompt().objects().getFirst().colour();
            String other = scenes.pick(DOMAIN.colours().keySet().stream().filter(n -> !n.equals(asked)).toList());
            return withDrawn(c, List.of(new ShapeRenderer.Drawn(ShapeRenderer.jittered(DOMAIN.colours().get(other),
                    scenes.random()), d.shape(), d.halfExtent(), d.cx(), d.cy())));
        });
        assertThat(run.mean("colour")).isZero();
        assertThat(run.mean("obj_ok")).isZero();
        assertThat(run.mean("all_ok")).isZero();
    }

    @Test
    void aWrongCellIsAWrongPosition() {
        Run run = runOne("one", scenes -> c -> {
            ShapeRenderer.Drawn d = c.drawn().getFirst();
            int[] cell = scenes.cellOf(d);
            int row = (cell[0] + 1 + scenes.random().nextInt(DOMAIN.grid() - 1)) % DOMAIN.grid();
            int col = scenes.random().nextInt(DOMAIN.grid());
            List<ShapeRenderer.Drawn> moved = List.of(scenes.inCell(d, row, col));
            return scenes.valid(moved) ? withDrawn(c, moved) : null;
        });
        assertThat(run.n("position")).isGreaterThan(CASES_PER_GROUP / 2);
        assertThat(run.mean("position")).isZero();
        assertThat(run.mean("colour")).isGreaterThanOrEqualTo(0.99);
        assertThat(run.mean("obj_ok")).isZero();
    }

    @Test
    void aWrongShapeIsRecognisedAsWrong() {
        Run run = runOne("one", scenes -> c -> {
            ShapeRenderer.Drawn d = c.drawn().getFirst();
            ShapeKind other = scenes.pick(DOMAIN.shapes().stream().filter(s -> s != d.shape()).toList());
            List<ShapeRenderer.Drawn> changed = List.of(new ShapeRenderer.Drawn(d.colour(), other, d.halfExtent(), d.cx(), d.cy()));
            return scenes.valid(changed) ? withDrawn(c, changed) : null;
        });
        assertThat(run.n("shape")).isGreaterThan(CASES_PER_GROUP / 2);
        assertThat(run.mean("shape")).isLessThanOrEqualTo(0.01);
        assertThat(run.mean("position")).isGreaterThanOrEqualTo(0.99);
        assertThat(run.mean("obj_ok")).isLessThanOrEqualTo(0.01);
    }

    @Test
    void aWrongSizeClassIsRecognisedAsWrong() {
        Run run = runOne("one", scenes -> c -> {
            EvalPrompt.ExpectedObject o = c.prompt().objects().getFirst();
            if (o.size() == null) {
                return null;
            }
            String other = scenes.pick(DOMAIN.sizes().keySet().stream().filter(s -> !s.equals(o.size())).toList());
            Domain.SizeRange range = DOMAIN.sizes().get(other);
            ShapeRenderer.Drawn d = c.drawn().getFirst();
            double h = range.min() + scenes.random().nextDouble() * (range.max() - range.min());
            List<ShapeRenderer.Drawn> changed = List.of(new ShapeRenderer.Drawn(d.colour(), d.shape(), h, d.cx(), d.cy()));
            return scenes.valid(changed) ? withDrawn(c, changed) : null;
        });
        assertThat(run.n("size")).isGreaterThan(CASES_PER_GROUP / 4);
        assertThat(run.mean("size")).isZero();
        assertThat(run.mean("obj_ok")).isGreaterThanOrEqualTo(0.99);
        assertThat(run.mean("all_ok")).isZero();
    }

    @Test
    void aMissingObjectCostsItsShareAndTheCount() {
        Run run = runOne("two", scenes -> c -> withDrawn(c, List.of(c.drawn().getFirst())));
        assertThat(run.mean("colour")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(run.mean("count")).isZero();
        assertThat(run.mean("obj_ok")).isZero();
        assertThat(run.mean("all_ok")).isZero();
    }

    @Test
    void anExtraObjectBreaksTheCountButNotTheObjects() {
        Run run = runOne("one", scenes -> c -> {
            ShapeRenderer.Drawn d = c.drawn().getFirst();
            String asked = c.prompt().objects().getFirst().colour();
            String other = scenes.pick(DOMAIN.colours().keySet().stream().filter(n -> !n.equals(asked)).toList());
            int[] cell = scenes.cellOf(d);
            ShapeRenderer.Drawn extra = scenes.inCell(new ShapeRenderer.Drawn(DOMAIN.colours().get(other),
                    scenes.pick(DOMAIN.shapes()), 7, 0, 0), (cell[0] + 1) % 3, (cell[1] + 1) % 3);
            List<ShapeRenderer.Drawn> drawn = List.of(d, extra);
            return scenes.valid(drawn) ? withDrawn(c, drawn) : null;
        });
        assertThat(run.n("count")).isGreaterThan(CASES_PER_GROUP / 2);
        assertThat(run.mean("count")).isZero();
        assertThat(run.mean("all_ok")).isZero();
        assertThat(run.mean("obj_ok")).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void oneTooManyOfTheCountedShapeBreaksTheCount() {
        Run run = runOne("count", scenes -> c -> {
            List<ShapeRenderer.Drawn> drawn = new ArrayList<>(c.drawn());
            ShapeRenderer.Drawn first = drawn.getFirst();
            drawn.add(scenes.inCell(first, scenes.random().nextInt(3), scenes.random().nextInt(3)));
            return scenes.valid(drawn) ? withDrawn(c, drawn) : null;
        });
        assertThat(run.n("count")).isGreaterThan(CASES_PER_GROUP / 4);
        assertThat(run.mean("count")).isZero();
        assertThat(run.mean("obj_ok")).isGreaterThanOrEqualTo(0.99);
        assertThat(run.mean("all_ok")).isZero();
    }

    @Test
    void aSwappedRelationIsAWrongPosition() {
        Run run = runOne("relation", scenes -> c -> {
            ShapeRenderer.Drawn a = c.drawn().get(0);
            ShapeRenderer.Drawn b = c.drawn().get(1);
            List<ShapeRenderer.Drawn> swapped = List.of(new ShapeRenderer.Drawn(a.colour(), a.shape(), a.halfExtent(), b.cx(), b.cy()),
                    new ShapeRenderer.Drawn(b.colour(), b.shape(), b.halfExtent(), a.cx(), a.cy()));
            return scenes.valid(swapped) ? withDrawn(c, swapped) : null;
        });
        assertThat(run.n("position")).isGreaterThan(CASES_PER_GROUP / 2);
        assertThat(run.mean("position")).isZero();
        assertThat(run.mean("colour")).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void repeatedColoursAreSharedOutByOptimalAssignment() {
        // Two red squares: the asked-for cells are (0,0) and (2,2); the blobs are listed in image
        // order, and a greedy "first blob that fits" would still work, so make the first object
        // ask for the cell whose blob comes second.
        Domain.Rgb red = DOMAIN.colours().get("red");
        List<ShapeRenderer.Drawn> drawn = List.of(new ShapeRenderer.Drawn(red, ShapeKind.SQUARE, 6, 10.7, 10.7),
                new ShapeRenderer.Drawn(red, ShapeKind.CIRCLE, 9, 53.3, 53.3));
        EvalPrompt prompt = new EvalPrompt("p", "count", "two red shapes", 1, List.of(
                new EvalPrompt.ExpectedObject("red", ShapeKind.CIRCLE, "medium", new EvalPrompt.Cell(2, 2)),
                new EvalPrompt.ExpectedObject("red", ShapeKind.SQUARE, "small", new EvalPrompt.Cell(0, 0))), List.of());
        ImageScore score = new ShapeScorer(DOMAIN).score(
                ShapeRenderer.render(DOMAIN, drawn, 1, ShapeRenderer.Degrade.NONE, new java.util.Random(3)), prompt);
        assertThat(score.allOk()).isTrue();
        assertThat(score.matched().get(0).shape()).isEqualTo(ShapeKind.CIRCLE);
        assertThat(score.matched().get(0).size()).isEqualTo("medium");
        assertThat(score.matched().get(1).cx()).isCloseTo(10.7, org.assertj.core.data.Offset.offset(0.3));
    }

    @Test
    void blackShapesOnTheLightBackgroundAreFoundAndSpecksAreNot() {
        Domain.Rgb black = DOMAIN.colours().get("black");
        List<ShapeRenderer.Drawn> drawn = List.of(new ShapeRenderer.Drawn(black, ShapeKind.TRIANGLE, 12, 32, 33),
                // About 12 px: below the minimum area, so not a blob.
                new ShapeRenderer.Drawn(DOMAIN.colours().get("blue"), ShapeKind.SQUARE, 1.75, 8, 56));
        Detection d = new ShapeScorer(DOMAIN).detect(
                ShapeRenderer.render(DOMAIN, drawn, 1, ShapeRenderer.Degrade.NONE, new java.util.Random(5)));
        assertThat(d.blobs()).hasSize(1);
        Blob b = d.blobs().getFirst();
        assertThat(b.colour()).isEqualTo("black");
        assertThat(b.shape()).isEqualTo(ShapeKind.TRIANGLE);
        assertThat(b.size()).isEqualTo("large");
        assertThat(b.halfExtent()).isCloseTo(12, org.assertj.core.data.Offset.offset(0.3));
        assertThat(b.cx()).isCloseTo(32, org.assertj.core.data.Offset.offset(0.2));
        // The threshold trims the thin apex more than the base, so the triangle's centroid sinks a little.
        assertThat(b.cy()).isCloseTo(33, org.assertj.core.data.Offset.offset(0.5));
        assertThat(b.shapeIoU()).isGreaterThan(0.9);
    }

    @Test
    void shapesCutByTheBorderKeepTheirShapeAndSize() {
        // Large shapes in border cells reach past the image; what is left of a circle cut on two
        // sides is squarish and smaller, which the same-area fit at the centroid would misread.
        List<ShapeRenderer.Drawn> drawn = List.of(
                new ShapeRenderer.Drawn(DOMAIN.colours().get("blue"), ShapeKind.CIRCLE, 12.9, 55.0, 9.7),
                new ShapeRenderer.Drawn(DOMAIN.colours().get("black"), ShapeKind.CIRCLE, 11.6, 55.6, 56.2),
                new ShapeRenderer.Drawn(DOMAIN.colours().get("green"), ShapeKind.SQUARE, 12.5, 8.0, 32.0),
                new ShapeRenderer.Drawn(DOMAIN.colours().get("red"), ShapeKind.TRIANGLE, 12.0, 10.0, 53.0));
        Detection d = new ShapeScorer(DOMAIN).detect(
                ShapeRenderer.render(DOMAIN, drawn, 1, SOFT, new java.util.Random(8)));
        assertThat(d.blobs()).hasSize(4);
        for (ShapeRenderer.Drawn shape : drawn) {
            Blob b = d.blobs().stream().filter(x -> Math.hypot(x.cx() - shape.cx(), x.cy() - shape.cy()) < 5).findFirst().orElseThrow();
            assertThat(b.shape()).as("shape at %s", shape).isEqualTo(shape.shape());
            assertThat(b.size()).as("size at %s", shape).isEqualTo("large");
            assertThat(b.halfExtent()).as("half-extent at %s", shape).isCloseTo(shape.halfExtent(), org.assertj.core.data.Offset.offset(0.6));
        }
    }
}
