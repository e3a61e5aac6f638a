package dev.lumen.contracts.layout;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A region's box as fractions of the requested output image: {@code [x0, y0, x1, y1]}, origin
 * top-left, x to the right, y down (the convention of CreatiLayout and GrounDiT). On the wire it is
 * that four-number array; the names exist so errors can say which corner is wrong
 * ({@code layout.regions[2].box.x1}). Validity ({@code 0 ≤ x0 < x1 ≤ 1}, minimum side) is checked by
 * {@link LayoutValidator}, not here, so a bad box can still be read and reported.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"x0", "y0", "x1", "y1"})
public record Box(double x0, double y0, double x1, double y1) {
    /** The coordinate names in wire order. */
    public static final String[] NAMES = {"x0", "y0", "x1", "y1"};

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    public double area() {
        return Math.max(0, width()) * Math.max(0, height());
    }

    public double cx() {
        return (x0 + x1) / 2;
    }

    public double cy() {
        return (y0 + y1) / 2;
    }

    /** Coordinate {@code i} in wire order (0 = x0 … 3 = y1). */
    public double get(int i) {
        return switch (i) {
            case 0 -> x0;
            case 1 -> y0;
            case 2 -> x1;
            case 3 -> y1;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** Area of the intersection with {@code other}; 0 when they do not overlap. */
    public double intersection(Box other) {
        double w = Math.min(x1, other.x1) - Math.max(x0, other.x0);
        double h = Math.min(y1, other.y1) - Math.max(y0, other.y0);
        return w > 0 && h > 0 ? w * h : 0;
    }

    /** Intersection over union; 0 for disjoint boxes. */
    public double iou(Box other) {
        double inter = intersection(other);
        double union = area() + other.area() - inter;
        return union > 0 ? inter / union : 0;
    }

    /** Whether {@code other} lies inside this box (edges may touch). */
    public boolean contains(Box other) {
        return other.x0 >= x0 && other.y0 >= y0 && other.x1 <= x1 && other.y1 <= y1;
    }

    /** The box as {@code [x0, y0, x1, y1]}. */
    public double[] toArray() {
        return new double[] {x0, y0, x1, y1};
    }

    @Override
    public String toString() {
        return "[" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]";
    }
}
