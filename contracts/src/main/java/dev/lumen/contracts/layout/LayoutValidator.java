package dev.lumen.contracts.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules every layout must follow, in one place for the gateway, layout-service, the Kafka codec
 * and the worker: a non-blank global caption; 1..{@code maxRegions} regions; each box four finite
 * numbers with {@code 0 ≤ x0 < x1 ≤ 1}, {@code 0 ≤ y0 < y1 ≤ 1} and both sides at least
 * {@link LayoutLimits#MIN_SIDE}; non-blank captions within their length limits; optional ids
 * unique and key-safe; knobs within range. Nothing is clamped or fixed silently: every violation is
 * a {@link LayoutProblem} naming the field by its JSON path under the given prefix, e.g.
 * {@code layout.regions[2].box.x1}.
 */
public final class LayoutValidator {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Boxes are compared with this slack so that 1/32 written as 0.03125 (or computed) passes. */
    private static final double EPS = 1e-9;

    private LayoutValidator() {
    }

    /** Every problem of {@code layout}; empty when it is valid. */
    public static List<LayoutProblem> check(Layout layout, LayoutLimits limits, String path) {
        List<LayoutProblem> problems = new ArrayList<>();
        if (layout == null) {
            problems.add(new LayoutProblem(path, "is required"));
            return problems;
        }
        caption(problems, layout.caption(), path + ".caption", limits.maxCaptionChars(), true);
        caption(problems, layout.background(), path + ".background", limits.maxRegionCaptionChars(), false);
        List<Region> regions = layout.regions();
        if (regions == null || regions.isEmpty()) {
            problems.add(new LayoutProblem(path + ".regions", "must hold 1.." + limits.maxRegions() + " regions"));
        } else {
            if (regions.size() > limits.maxRegions()) {
                problems.add(new LayoutProblem(path + ".regions", "has " + regions.size() + " regions; at most "
                        + limits.maxRegions() + " are allowed"));
            }
            Map<String, Integer> ids = new HashMap<>();
            // Past the hard cap the rest is not worth reporting one by one.
            int shown = Math.min(regions.size(), LayoutLimits.HARD_MAX_REGIONS);
            for (int i = 0; i < shown; i++) {
                region(problems, regions.get(i), path + ".regions[" + i + "]", limits, ids, i);
            }
        }
        if (layout.control() != null) {
            control(problems, layout.control(), path + ".control");
        }
        return problems;
    }

    /** @throws InvalidLayoutException naming every problem, if there is one */
    public static Layout requireValid(Layout layout, LayoutLimits limits, String path) {
        List<LayoutProblem> problems = check(layout, limits, path);
        if (!problems.isEmpty()) {
            throw new InvalidLayoutException(problems);
        }
        return layout;
    }

    private static void region(List<LayoutProblem> problems, Region region, String at, LayoutLimits limits,
                               Map<String, Integer> ids, int index) {
        if (region == null) {
            problems.add(new LayoutProblem(at, "must be an object {box, caption}"));
            return;
        }
        box(problems, region.box(), at + ".box");
        caption(problems, region.caption(), at + ".caption", limits.maxRegionCaptionChars(), true);
        if (region.id() != null) {
            if (!ID.matcher(region.id()).matches()) {
                problems.add(new LayoutProblem(at + ".id", "must be 1-64 letters, digits, '_', '.' or '-', starting"
                        + " with a letter or digit"));
            } else {
                Integer first = ids.putIfAbsent(region.id(), index);
                if (first != null) {
                    problems.add(new LayoutProblem(at + ".id", "\"" + region.id() + "\" is already the id of regions["
                            + first + "]; ids must be unique"));
                }
            }
        }
    }

    private static void box(List<LayoutProblem> problems, Box box, String at) {
        if (box == null) {
            problems.add(new LayoutProblem(at, "is required: [x0, y0, x1, y1] as fractions of the image,"
                    + " origin top-left"));
            return;
        }
        boolean finite = true;
        for (int k = 0; k < 4; k++) {
            double v = box.get(k);
            String field = at + "." + Box.NAMES[k];
            if (!Double.isFinite(v)) {
                problems.add(new LayoutProblem(field, "must be a finite number, not " + v));
                finite = false;
            } else if (v < 0 || v > 1) {
                problems.add(new LayoutProblem(field, "must be within 0..1 (a fraction of the image), not " + v));
                finite = false;
            }
        }
        if (!finite) {
            return;
        }
        if (!(box.x1() > box.x0())) {
            problems.add(new LayoutProblem(at + ".x1", "must be greater than x0 = " + box.x0() + ", not " + box.x1()
                    + " (boxes are [x0, y0, x1, y1])"));
        } else if (box.width() < LayoutLimits.MIN_SIDE - EPS) {
            problems.add(new LayoutProblem(at, "is " + round(box.width()) + " wide; a side must be at least 1/32 = "
                    + LayoutLimits.MIN_SIDE + " of the image"));
        }
        if (!(box.y1() > box.y0())) {
            problems.add(new LayoutProblem(at + ".y1", "must be greater than y0 = " + box.y0() + ", not " + box.y1()
                    + " (boxes are [x0, y0, x1, y1], y down)"));
        } else if (box.height() < LayoutLimits.MIN_SIDE - EPS) {
            problems.add(new LayoutProblem(at, "is " + round(box.height()) + " high; a side must be at least 1/32 = "
                    + LayoutLimits.MIN_SIDE + " of the image"));
        }
    }

    private static void caption(List<LayoutProblem> problems, String caption, String at, int maxChars, boolean required) {
        if (caption == null) {
            if (required) {
                problems.add(new LayoutProblem(at, "is required and must be a non-blank string"));
            }
            return;
        }
        if (caption.isBlank()) {
            problems.add(new LayoutProblem(at, "must not be blank"));
        }
        int chars = caption.codePointCount(0, caption.length());
        if (chars > maxChars) {
            problems.add(new LayoutProblem(at, "has " + chars + " characters; at most " + maxChars + " are allowed"));
        }
        if (caption.indexOf('\u0000') >= 0) {
            problems.add(new LayoutProblem(at, "must not contain NUL characters"));
        }
    }

    private static void control(List<LayoutProblem> problems, Control control, String at) {
        Double strength = control.strength();
        if (strength != null && !(Double.isFinite(strength) && strength >= 0 && strength <= 1)) {
            problems.add(new LayoutProblem(at + ".strength", "must be a finite number within 0..1 (1 − β), not "
                    + strength));
        }
        Integer untilT = control.untilT();
        if (untilT != null && (untilT < 0 || untilT > Control.MAX_UNTIL_T)) {
            problems.add(new LayoutProblem(at + ".until_t", "must be a timestep within 0.." + Control.MAX_UNTIL_T
                    + ", not " + untilT));
        }
    }

    private static String round(double v) {
        return Double.toString(Math.round(v * 1e6) / 1e6);
    }
}
