package dev.lumen.eval;

/**
 * A layout box {@code [x0, y0, x1, y1]} in fractions of the image, origin top-left, y down
 * ({@code 0 <= x0 < x1 <= 1}, {@code 0 <= y0 < y1 <= 1}), as in the layout JSON.
 */
public record Box(double x0, double y0, double x1, double y1) {
    public Box {
        if (!(0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1)) {
            throw new IllegalArgumentException("box [" + x0 + ", " + y0 + ", " + x1 + ", " + y1
                    + "] must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1");
        }
    }

    public boolean contains(double x, double y) {
        return x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }

    public double area() {
        return (x1 - x0) * (y1 - y0);
    }

    public double iou(Box other) {
        double w = Math.min(x1, other.x1) - Math.max(x0, other.x0);
        double h = Math.min(y1, other.y1) - Math.max(y0, other.y0);
        double inter = w > 0 && h > 0 ? w * h : 0;
        return inter / (area() + other.area() - inter);
    }
}
