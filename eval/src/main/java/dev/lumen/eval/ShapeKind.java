package dev.lumen.eval;

import java.util.Locale;

/**
 * The shapes the domain draws, with their exact geometry for a half-extent {@code h} around a
 * nominal centre (see the eval-set format): a circle of radius h, an axis-aligned square of side
 * 2h, and an upward isosceles triangle of width and height 2h whose centroid is the centre.
 */
public enum ShapeKind {
    CIRCLE(Math.PI),
    SQUARE(4.0),
    TRIANGLE(2.0);

    private final double areaFactor;

    ShapeKind(double areaFactor) {
        this.areaFactor = areaFactor;
    }

    /** Area of the shape with half-extent h is {@code areaFactor · h²}. */
    public double areaFactor() {
        return areaFactor;
    }

    /** The half-extent giving this shape the area {@code area}. */
    public double halfExtentForArea(double area) {
        return Math.sqrt(area / areaFactor);
    }

    /** Whether the point at offset (dx, dy) from the centre (y down) lies inside the shape of half-extent h. */
    public boolean contains(double dx, double dy, double h) {
        return switch (this) {
            case CIRCLE -> dx * dx + dy * dy <= h * h;
            case SQUARE -> Math.abs(dx) <= h && Math.abs(dy) <= h;
            case TRIANGLE -> {
                double apex = -4.0 * h / 3.0;
                double base = 2.0 * h / 3.0;
                // The half-width grows linearly from 0 at the apex to h at the base (height 2h).
                yield dy >= apex && dy <= base && Math.abs(dx) <= (dy - apex) / 2.0;
            }
        };
    }

    /** How far the shape reaches from its centre in any direction (for bounding windows). */
    public double reach(double h) {
        return this == TRIANGLE ? 4.0 * h / 3.0 : h * Math.sqrt(2);
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The shape named as in the eval-set files, or null when the name is unknown. */
    static ShapeKind byName(String name) {
        for (ShapeKind k : values()) {
            if (k.jsonName().equals(name)) {
                return k;
            }
        }
        return null;
    }
}
