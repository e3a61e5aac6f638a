package dev.lumen.layout.scoring;

import dev.lumen.contracts.layout.Box;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Computes {@link LayoutScores}. Alignment and overlap follow LayoutGAN++ as coded in
 * Parse-Then-Place's {@code metrics.py}: alignment = mean over boxes of −ln(1 − d), d the smallest
 * difference to any other box in any of the six alignment coordinates (left, centre, right, top,
 * middle, bottom; d = 1 counts as 0); overlap = mean over boxes of Σ intersection / own area, here
 * only over the pairs the caller marks as unintended. Coverage is the exact area of the union.
 */
public final class LayoutScorer {
    private LayoutScorer() {
    }

    /** Which pairs of boxes may overlap (support, containment, stuff); all others count as overlap. */
    @FunctionalInterface
    public interface OverlapIntent {
        boolean intended(int i, int j);

        OverlapIntent NONE = (i, j) -> false;
    }

    /**
     * Scores boxes. {@code constraints} and {@code countFidelity} are null when there is nothing to
     * check them against; {@code score} is then null too.
     */
    public static LayoutScores score(List<Box> boxes, OverlapIntent intent, Double constraints, Double countFidelity,
                                     boolean hasStuff) {
        double alignment = alignment(boxes);
        double overlap = overlap(boxes, intent);
        double coverage = coverage(boxes);
        double minSide = boxes.stream().mapToDouble(b -> Math.min(b.width(), b.height())).min().orElse(0);
        boolean valid = boxes.stream().allMatch(b -> b.x0() >= 0 && b.y0() >= 0 && b.x1() <= 1 && b.y1() <= 1
                && b.x1() > b.x0() && b.y1() > b.y0());
        Double score = null;
        if (constraints != null && countFidelity != null) {
            double coverageOk = hasStuff || (coverage >= 0.1 && coverage <= 0.9) ? 1 : 0;
            score = 0.5 * constraints + 0.2 * (1 - Math.min(overlap, 1)) + 0.1 * (1 - Math.min(alignment, 1))
                    + 0.1 * coverageOk + 0.1 * countFidelity;
        }
        return new LayoutScores(round(alignment), round(overlap), constraints == null ? null : round(constraints),
                countFidelity == null ? null : round(countFidelity), round(coverage), round(minSide), valid,
                score == null ? null : round(score));
    }

    static double alignment(List<Box> boxes) {
        if (boxes.size() < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < boxes.size(); i++) {
            double d = Double.MAX_VALUE;
            double[] a = coords(boxes.get(i));
            for (int j = 0; j < boxes.size(); j++) {
                if (j == i) {
                    continue;
                }
                double[] b = coords(boxes.get(j));
                for (int k = 0; k < 6; k++) {
                    d = Math.min(d, Math.abs(a[k] - b[k]));
                }
            }
            sum += d >= 1 ? 0 : -Math.log(1 - d);
        }
        return sum / boxes.size();
    }

    private static double[] coords(Box b) {
        return new double[] {b.x0(), b.cx(), b.x1(), b.y0(), b.cy(), b.y1()};
    }

    static double overlap(List<Box> boxes, OverlapIntent intent) {
        if (boxes.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < boxes.size(); i++) {
            double area = boxes.get(i).area();
            for (int j = 0; j < boxes.size(); j++) {
                if (j != i && area > 0 && !intent.intended(i, j) && !intent.intended(j, i)) {
                    sum += boxes.get(i).intersection(boxes.get(j)) / area;
                }
            }
        }
        return sum / boxes.size();
    }

    /** The exact area of the union of the boxes clipped to the canvas (coordinate compression). */
    static double coverage(List<Box> boxes) {
        TreeSet<Double> xs = new TreeSet<>();
        TreeSet<Double> ys = new TreeSet<>();
        List<Box> clipped = new ArrayList<>();
        for (Box b : boxes) {
            Box c = new Box(clamp(b.x0()), clamp(b.y0()), clamp(b.x1()), clamp(b.y1()));
            if (c.area() > 0) {
                clipped.add(c);
                xs.add(c.x0());
                xs.add(c.x1());
                ys.add(c.y0());
                ys.add(c.y1());
            }
        }
        Double[] x = xs.toArray(Double[]::new);
        Double[] y = ys.toArray(Double[]::new);
        double area = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            for (int j = 0; j + 1 < y.length; j++) {
                double mx = (x[i] + x[i + 1]) / 2;
                double my = (y[j] + y[j + 1]) / 2;
                boolean covered = clipped.stream().anyMatch(b -> mx > b.x0() && mx < b.x1() && my > b.y0() && my < b.y1());
                if (covered) {
                    area += (x[i + 1] - x[i]) * (y[j + 1] - y[j]);
                }
            }
        }
        return area;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    /** Scores are reported to 4 decimals, so equal layouts print equal scores on every machine. */
    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
