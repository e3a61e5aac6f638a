package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layout metrics (layout.md §7.2 step 4) against Java2D renders of shapes in known boxes:
 * shapes drawn in their boxes score ≥ 0.99 centre-in-box, shapes drawn elsewhere about 0.
 */
class LayoutMetricsTest {
    private static final Domain DOMAIN = Scenes.demoDomain(64, 64);
    private static final ShapeRenderer.Degrade SOFT = new ShapeRenderer.Degrade(0.6, 6);
    private static final int LAYOUTS = 120;

    /** {@code count} boxes with sides in [min, max], at least 0.02 apart, or null when they did not fit. */
    private static List<Box> boxes(Random random, int count, double min, double max, List<Box> avoid) {
        List<Box> boxes = new ArrayList<>();
        for (int attempt = 0; attempt < 2000 && boxes.size() < count; attempt++) {
            double w = min + random.nextDouble() * (max - min);
            double h = min + random.nextDouble() * (max - min);
            double x = random.nextDouble() * (1 - w);
            double y = random.nextDouble() * (1 - h);
            Box b = new Box(x, y, x + w, y + h);
            Box grown = new Box(Math.max(0, x - 0.02), Math.max(0, y - 0.02), Math.min(1, x + w + 0.02), Math.min(1, y + h + 0.02));
            if (boxes.stream().noneMatch(o -> o.iou(grown) > 0) && avoid.stream().noneMatch(o -> o.iou(grown) > 0)) {
                boxes.add(b);
            }
        }
        return boxes.size() == count ? boxes : null;
    }

    /** A domain shape filling 90% of the box's shorter side, centred in it. */
    private static ShapeRenderer.Drawn inBox(Box box, Domain.Rgb colour, ShapeKind shape) {
        double w = (box.x1() - box.x0()) * DOMAIN.width();
        double h = (box.y1() - box.y0()) * DOMAIN.height();
        double half = 0.45 * Math.min(w, h);
        // The triangle's centroid sits a third of its height above the base, so centre its extent instead.
        double cy = (box.y0() + box.y1()) / 2 * DOMAIN.height() + (shape == ShapeKind.TRIANGLE ? half / 3 : 0);
        return new ShapeRenderer.Drawn(colour, shape, half, (box.x0() + box.x1()) / 2 * DOMAIN.width(), cy);
    }

    private record Totals(double presence, double centreInBox, double iou, double massInBox, double count,
                          double success, int regions) {
    }

    /** Renders random layouts of 1–4 regions; {@code misplace} draws every shape in another box than its region's. */
    private static Totals run(boolean misplace, boolean shareColour, long seed) {
        Random random = new Random(seed);
        ShapeScorer scorer = new ShapeScorer(DOMAIN);
        List<String> names = new ArrayList<>(DOMAIN.colours().keySet());
        double presence = 0;
        double centre = 0;
        double iou = 0;
        double mass = 0;
        double count = 0;
        double success = 0;
        int regions = 0;
        int images = 0;
        while (images < LAYOUTS) {
            int k = 1 + random.nextInt(4);
            List<Box> boxes = boxes(random, k, 0.2, misplace ? 0.3 : 0.45, List.of());
            List<Box> drawnIn = misplace && boxes != null ? boxes(random, k, 0.2, 0.3, boxes) : boxes;
            if (boxes == null || drawnIn == null) {
                continue;
            }
            java.util.Collections.shuffle(names, random);
            List<LayoutRegion> layout = new ArrayList<>();
            List<ShapeRenderer.Drawn> drawn = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                String colour = shareColour ? names.getFirst() : names.get(i);
                layout.add(new LayoutRegion(boxes.get(i), colour));
                drawn.add(inBox(drawnIn.get(i), ShapeRenderer.jittered(DOMAIN.colours().get(colour), random),
                        DOMAIN.shapes().get(random.nextInt(DOMAIN.shapes().size()))));
            }
            BufferedImage image = ShapeRenderer.render(DOMAIN, drawn, 1, SOFT, random);
            LayoutScore score = scorer.scoreLayout(image, layout);
            assertThat(score.regions()).hasSize(k);
            presence += score.presence() * k;
            centre += score.centreInBox() * k;
            iou += score.iou() * k;
            mass += score.massInBox() * k;
            count += score.countOk() ? 1 : 0;
            success += score.success() ? 1 : 0;
            regions += k;
            images++;
        }
        return new Totals(presence / regions, centre / regions, iou / regions, mass / regions, count / images,
                success / images, regions);
    }

    @Test
    void shapesInTheirBoxesScoreRight() {
        Totals t = run(false, false, 1);
        assertThat(t.regions()).isGreaterThan(LAYOUTS * 2);
        assertThat(t.presence()).isGreaterThanOrEqualTo(0.99);
        assertThat(t.centreInBox()).isGreaterThanOrEqualTo(0.99);
        assertThat(t.massInBox()).isGreaterThanOrEqualTo(0.99);
        assertThat(t.count()).isGreaterThanOrEqualTo(0.99);
        assertThat(t.success()).isGreaterThanOrEqualTo(0.99);
        // Domain shapes are as wide as high and fill 90% of the box's shorter side, so the IoU of
        // their bounding box with a non-square box is well below 1.
        assertThat(t.iou()).isBetween(0.5, 0.95);
    }

    @Test
    void shapesOutsideTheirBoxesScoreAboutZero() {
        Totals t = run(true, false, 2);
        assertThat(t.presence()).isGreaterThanOrEqualTo(0.99);
        assertThat(t.centreInBox()).isLessThanOrEqualTo(0.01);
        assertThat(t.success()).isLessThanOrEqualTo(0.01);
        assertThat(t.iou()).isLessThanOrEqualTo(0.02);
        assertThat(t.massInBox()).isLessThanOrEqualTo(0.02);
    }

    @Test
    void regionsSharingAColourEachFindTheirOwnShape() {
        Totals right = run(false, true, 3);
        assertThat(right.centreInBox()).isGreaterThanOrEqualTo(0.99);
        assertThat(right.massInBox()).isGreaterThanOrEqualTo(0.99);
        assertThat(right.count()).isGreaterThanOrEqualTo(0.99);
        Totals wrong = run(true, true, 4);
        assertThat(wrong.centreInBox()).isLessThanOrEqualTo(0.01);
    }

    @Test
    void anAbsentColourIsNotPresentAndBreaksTheCount() {
        Domain.Rgb red = DOMAIN.colours().get("red");
        Box left = new Box(0.05, 0.3, 0.45, 0.7);
        Box right = new Box(0.55, 0.3, 0.95, 0.7);
        BufferedImage image = ShapeRenderer.render(DOMAIN, List.of(inBox(left, red, ShapeKind.CIRCLE)), 1,
                ShapeRenderer.Degrade.NONE, new Random(9));
        LayoutScore score = new ShapeScorer(DOMAIN).scoreLayout(image,
                List.of(new LayoutRegion(left, "red"), new LayoutRegion(right, "blue")));
        assertThat(score.regions().get(0).present()).isTrue();
        assertThat(score.regions().get(0).centreInBox()).isTrue();
        assertThat(score.regions().get(0).massInBox()).isEqualTo(1.0);
        assertThat(score.regions().get(1).present()).isFalse();
        assertThat(score.regions().get(1).blob()).isNull();
        assertThat(score.countOk()).isFalse();
        assertThat(score.success()).isFalse();
        assertThat(score.presence()).isEqualTo(0.5);
    }

    @Test
    void aSquareFillingItsBoxHasAnIoUNearOne() {
        Box box = new Box(0.25, 0.25, 0.625, 0.625);
        BufferedImage image = ShapeRenderer.render(DOMAIN, List.of(new ShapeRenderer.Drawn(DOMAIN.colours().get("green"),
                ShapeKind.SQUARE, 12, 28, 28)), 1, ShapeRenderer.Degrade.NONE, new Random(1));
        LayoutScore score = new ShapeScorer(DOMAIN).scoreLayout(image, List.of(new LayoutRegion(box, "green")));
        assertThat(score.iou()).isEqualTo(1.0);
    }

    @Test
    void aRegionColourOutsideTheDomainIsRefused() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        assertThatThrownBy(() -> new ShapeScorer(DOMAIN).scoreLayout(image,
                List.of(new LayoutRegion(new Box(0, 0, 0.5, 0.5), "magenta"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magenta");
        assertThatThrownBy(() -> new Box(0.5, 0, 0.4, 1)).hasMessageContaining("x0 < x1");
    }
}
