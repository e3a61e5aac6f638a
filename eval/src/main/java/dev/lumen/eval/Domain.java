package dev.lumen.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coloured-shapes domain an eval set is drawn in ({@code eval/domain.json}): image size,
 * background tint, palette, shapes, size classes (half-extents in pixels at {@link #width()}),
 * the placement grid and its jitter. The scorer reads its geometry from here, scaled to whatever
 * size the scored image has.
 */
public record Domain(int width, int height, int backgroundMin, int backgroundMax, Map<String, Rgb> colours,
                     List<ShapeKind> shapes, Map<String, SizeRange> sizes, int grid, double jitter) {

    /** An sRGB colour, 0–255 per channel. */
    public record Rgb(int r, int g, int b) {
        public int distanceSquared(int red, int green, int blue) {
            int dr = red - r;
            int dg = green - g;
            int db = blue - b;
            return dr * dr + dg * dg + db * db;
        }

        public int packed() {
            return (r << 16) | (g << 8) | b;
        }
    }

    /** A size class: half-extents from {@code min} to {@code max} pixels at the domain's width. */
    public record SizeRange(double min, double max) {
        /** 0 inside the range, else the distance to its nearer end. */
        double distance(double halfExtent) {
            return halfExtent < min ? min - halfExtent : halfExtent > max ? halfExtent - max : 0;
        }
    }

    public Domain {
        colours = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(colours));
        shapes = List.copyOf(shapes);
        sizes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
    }

    /** The size class nearest to a half-extent measured at the domain's width. */
    public String sizeClass(double halfExtent) {
        String best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, SizeRange> e : sizes.entrySet()) {
            double d = e.getValue().distance(halfExtent);
            if (d < bestDistance) {
                best = e.getKey();
                bestDistance = d;
            }
        }
        return best;
    }

    /** Reads and checks {@code domain.json}; every problem names the file and field. */
    public static Domain load(Path file) {
        JsonFields root = JsonFields.read(file);
        root.requireVersion(1);
        int width = positive(root, "width");
        int height = positive(root, "height");
        JsonFields background = root.object("background");
        int bgMin = channel(background, "min");
        int bgMax = channel(background, "max");
        if (bgMin > bgMax) {
            throw background.error("min", "(" + bgMin + ") must not exceed \"max\" (" + bgMax + ")");
        }
        JsonFields colourFields = root.object("colours");
        Map<String, Rgb> colours = new LinkedHashMap<>();
        for (String name : colourFields.propertyNames()) {
            double[] c = colourFields.numbers(name, 3);
            for (double v : c) {
                if (v != Math.rint(v) || v < 0 || v > 255) {
                    throw colourFields.error(name, "must hold three integers in [0, 255], found " + Arrays.toString(c));
                }
            }
            colours.put(name, new Rgb((int) c[0], (int) c[1], (int) c[2]));
        }
        if (colours.isEmpty()) {
            throw root.error("colours", "must name at least one colour");
        }
        List<ShapeKind> shapes = new ArrayList<>();
        for (String name : root.strings("shapes")) {
            ShapeKind kind = ShapeKind.byName(name);
            if (kind == null) {
                throw root.error("shapes", "names \"" + name + "\", which the scorer cannot classify (it knows "
                        + Arrays.stream(ShapeKind.values()).map(ShapeKind::jsonName).toList() + ")");
            }
            shapes.add(kind);
        }
        if (shapes.isEmpty()) {
            throw root.error("shapes", "must name at least one shape");
        }
        JsonFields sizeFields = root.object("sizes");
        Map<String, SizeRange> sizes = new LinkedHashMap<>();
        for (String name : sizeFields.propertyNames()) {
            double[] r = sizeFields.numbers(name, 2);
            if (!(r[0] > 0) || r[0] > r[1] || !Double.isFinite(r[1])) {
                throw sizeFields.error(name, "must be [min, max] with 0 < min <= max, found " + Arrays.toString(r));
            }
            sizes.put(name, new SizeRange(r[0], r[1]));
        }
        if (sizes.isEmpty()) {
            throw root.error("sizes", "must name at least one size");
        }
        int grid = positive(root, "grid");
        double jitter = root.number("jitter");
        if (!(jitter >= 0) || !Double.isFinite(jitter)) {
            throw root.error("jitter", "must be a finite number >= 0, found " + jitter);
        }
        return new Domain(width, height, bgMin, bgMax, colours, shapes, sizes, grid, jitter);
    }

    private static int positive(JsonFields fields, String field) {
        int v = fields.smallInteger(field);
        if (v <= 0) {
            throw fields.error(field, "must be positive, found " + v);
        }
        return v;
    }

    private static int channel(JsonFields fields, String field) {
        int v = fields.smallInteger(field);
        if (v < 0 || v > 255) {
            throw fields.error(field, "must be in [0, 255], found " + v);
        }
        return v;
    }
}
