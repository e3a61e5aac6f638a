package dev.lumen.layout.scoring;

import dev.lumen.contracts.layout.Box;
import java.util.List;

/**
 * Whether boxes satisfy a relation or place, with the checks of {@code layout.md} §6.3 (after
 * Parse-Then-Place's ConstraintAcc): left of ⇔ centre-x at least τ = 0.05 smaller; above ⇔
 * centre-y τ smaller; on ⇔ above-ish, overlapping horizontally and touching; under ⇔ the other is
 * above and they overlap horizontally by half the narrower; in ⇔ containment; next to ⇔ same row
 * (centre-y within 0.1) without overlap; in front of ⇔ lower bottom edge and overlapping; between
 * ⇔ centre-x between the other two on one row; places by centre: left ⇔ cx &lt; 0.45, right ⇔
 * cx &gt; 0.55, top ⇔ cy &lt; 0.45, bottom ⇔ cy &gt; 0.55, center ⇔ both within 0.15 of 0.5,
 * corners both axes. These define satisfaction for the planner's scores and for the benchmark.
 */
public final class ConstraintChecks {
    public static final double TAU = 0.05;
    public static final double ROW = 0.1;
    private static final double CONTACT = 0.02;

    private ConstraintChecks() {
    }

    /** The relation types these checks know. */
    public static final List<String> RELATIONS = List.of("left_of", "right_of", "above", "below", "on", "under", "in",
            "next_to", "in_front_of", "behind", "between");

    /** The absolute places these checks know. */
    public static final List<String> PLACES = List.of("left", "right", "top", "bottom", "center", "top-left", "top-right",
            "bottom-left", "bottom-right");

    /** Whether {@code a} stands in relation {@code type} to {@code b} ({@code c} only for between). */
    public static boolean relation(String type, Box a, Box b, Box c) {
        return switch (type) {
            case "left_of" -> a.cx() + TAU < b.cx();
            case "right_of" -> b.cx() + TAU < a.cx();
            case "above" -> a.cy() + TAU < b.cy();
            case "below" -> b.cy() + TAU < a.cy();
            case "on" -> a.cy() < b.cy() && a.y0() < b.y0() && xOverlap(a, b) > 0 && a.y1() >= b.y0() - CONTACT;
            case "under" -> b.cy() + TAU < a.cy() && xOverlap(a, b) >= 0.5 * Math.min(a.width(), b.width());
            case "in" -> b.contains(a);
            case "next_to" -> Math.abs(a.cy() - b.cy()) <= ROW && a.intersection(b) == 0;
            case "in_front_of" -> a.y1() > b.y1() && a.intersection(b) > 0;
            case "behind" -> b.y1() > a.y1() && a.intersection(b) > 0;
            case "between" -> c != null && Math.min(b.cx(), c.cx()) < a.cx() && a.cx() < Math.max(b.cx(), c.cx())
                    && Math.abs(a.cy() - b.cy()) <= ROW && Math.abs(a.cy() - c.cy()) <= ROW;
            default -> throw new IllegalArgumentException("unknown relation " + type);
        };
    }

    /** Whether {@code box} lies at the absolute place {@code pos}. */
    public static boolean place(String pos, Box box) {
        double cx = box.cx();
        double cy = box.cy();
        return switch (pos) {
            case "left" -> cx < 0.45;
            case "right" -> cx > 0.55;
            case "top" -> cy < 0.45;
            case "bottom" -> cy > 0.55;
            case "center" -> Math.abs(cx - 0.5) <= 0.15 && Math.abs(cy - 0.5) <= 0.15;
            case "top-left" -> cx < 0.45 && cy < 0.45;
            case "top-right" -> cx > 0.55 && cy < 0.45;
            case "bottom-left" -> cx < 0.45 && cy > 0.55;
            case "bottom-right" -> cx > 0.55 && cy > 0.55;
            default -> throw new IllegalArgumentException("unknown place " + pos);
        };
    }

    /** Whether instances of one entity are arranged as a row, a column or a grid (no two overlap). */
    public static boolean arrangement(String type, List<Box> members) {
        for (int i = 0; i < members.size(); i++) {
            for (int j = i + 1; j < members.size(); j++) {
                Box a = members.get(i);
                Box b = members.get(j);
                if (a.intersection(b) > 0) {
                    return false;
                }
                if (type.equals("row") && Math.abs(a.cy() - b.cy()) > ROW) {
                    return false;
                }
                if (type.equals("column") && Math.abs(a.cx() - b.cx()) > ROW) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Horizontal overlap of two boxes (0 if none). */
    public static double xOverlap(Box a, Box b) {
        return Math.max(0, Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0()));
    }
}
