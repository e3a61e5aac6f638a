package dev.lumen.engine.layout;

import java.util.ArrayList;
import java.util.List;

/**
 * What the engine needs to compose an image from a layout prompt (layout.md §3–§4): the global
 * caption, an optional background caption, the regions (a box in fractions of the requested output
 * image, origin top-left, and the region's own caption) and the regional-attention knobs.
 *
 * <p>The constructor validates everything and throws {@link LayoutException} naming the field
 * ({@code regions[2].box}); nothing is clamped. The limits here are the engine's hard ones (at most
 * {@value #MAX_REGIONS} regions); an API may apply stricter, configurable ones before building this.
 * Captions longer than the text encoder's sequence are truncated when encoded, with a warning.
 *
 * @param caption    the global caption (the prompt of the whole image)
 * @param background the caption of the tokens no box covers; null: the global caption
 * @param regions    one or more regions; list order is the tie-break between boxes of equal area
 * @param control    the knobs; null: {@link Control#DEFAULTS}
 */
public record RegionalLayout(String caption, String background, List<Region> regions, Control control) {

    /** The engine's hard cap on regions (layout.md §3.5: 10 by default in the API, 16 at most). */
    public static final int MAX_REGIONS = 16;
    /** Smallest box side as a fraction of the canvas: 2 tokens at 1024² (layout.md §3.3). */
    public static final double MIN_SIDE = 1.0 / 32;
    /** Longest caption in characters; T5 truncates at its sequence length anyway (§3.2). */
    public static final int MAX_CAPTION_CHARS = 2000;

    /** A box {@code [x0, y0, x1, y1]} in fractions of the canvas, origin top-left, x right, y down. */
    public record Box(double x0, double y0, double x1, double y1) {
        public double width() {
            return x1 - x0;
        }

        public double height() {
            return y1 - y0;
        }

        public double area() {
            return (x1 - x0) * (y1 - y0);
        }

        @Override
        public String toString() {
            return "[" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]";
        }
    }

    /** One region: where ({@code box}) and what ({@code caption}, e.g. "a red apple"). */
    public record Region(Box box, String caption) {
    }

    /** How overlapping boxes share tokens. */
    public enum Overlap {
        /** Each token goes to the smallest-area box covering it; equal areas: the later region (§3.3). */
        SMALLEST_WINS("smallest-wins");

        private final String jsonName;

        Overlap(String jsonName) {
            this.jsonName = jsonName;
        }

        /** The spelling in the layout JSON. */
        public String jsonName() {
            return jsonName;
        }
    }

    /**
     * The regional-attention knobs (layout.md §3.5).
     *
     * @param strength      1 − β for both attentions: 0 leaves the model as it is, 1 uses only the
     *                      regional attention
     * @param untilT        regional attention runs at denoising steps whose timestep is ≥ this
     * @param selfAttention whether self-attention is restricted to each region too (else only the
     *                      cross-attention is regional)
     * @param overlap       how overlapping boxes share tokens
     */
    public record Control(double strength, int untilT, boolean selfAttention, Overlap overlap) {
        /** layout.md §3.5: β = 0.2 for both attentions, steps with t ≥ 600, self-attention on. */
        public static final Control DEFAULTS = new Control(0.8, 600, true, Overlap.SMALLEST_WINS);

        /** The base ratio β of the blend {@code β·plain + (1 − β)·regional}. */
        public double beta() {
            return 1.0 - strength;
        }
    }

    public RegionalLayout {
        control = control == null ? Control.DEFAULTS : control;
        checkCaption("caption", caption);
        if (background != null) {
            checkCaption("background", background);
        }
        if (regions == null || regions.isEmpty()) {
            throw new LayoutException("regions", "at least one region is required");
        }
        if (regions.size() > MAX_REGIONS) {
            throw new LayoutException("regions", regions.size() + " regions, at most " + MAX_REGIONS + " are allowed");
        }
        for (int i = 0; i < regions.size(); i++) {
            String field = "regions[" + i + "]";
            Region r = regions.get(i);
            if (r == null) {
                throw new LayoutException(field, "a region {box, caption} is required");
            }
            checkBox(field + ".box", r.box());
            checkCaption(field + ".caption", r.caption());
        }
        regions = List.copyOf(regions);
        checkControl(control);
    }

    /** A layout with the default knobs. */
    public RegionalLayout(String caption, String background, List<Region> regions) {
        this(caption, background, regions, Control.DEFAULTS);
    }

    /** The same layout with other knobs. */
    public RegionalLayout withControl(Control other) {
        return new RegionalLayout(caption, background, regions, other);
    }

    /** The caption of region 0, the tokens no box covers: {@code background}, else the global caption (§3.2). */
    public String backgroundCaption() {
        return background != null ? background : caption;
    }

    /** The captions of regions 0..R in region-id order: the background first, then the boxes in list order. */
    public List<String> regionCaptions() {
        List<String> out = new ArrayList<>(regions.size() + 1);
        out.add(backgroundCaption());
        for (Region r : regions) {
            out.add(r.caption());
        }
        return out;
    }

    /** The boxes of regions 1..R in list order. */
    public List<Box> boxes() {
        return regions.stream().map(Region::box).toList();
    }

    private static void checkCaption(String field, String caption) {
        if (caption == null) {
            throw new LayoutException(field, "a caption is required");
        }
        if (caption.isBlank()) {
            throw new LayoutException(field, "must not be empty");
        }
        if (caption.length() > MAX_CAPTION_CHARS) {
            throw new LayoutException(field, caption.length() + " characters, at most " + MAX_CAPTION_CHARS + " are allowed");
        }
    }

    private static void checkBox(String field, Box b) {
        if (b == null) {
            throw new LayoutException(field, "a box [x0, y0, x1, y1] is required");
        }
        double[] v = {b.x0(), b.y0(), b.x1(), b.y1()};
        for (double x : v) {
            if (!Double.isFinite(x)) {
                throw new LayoutException(field, "coordinates must be finite numbers, got " + b);
            }
            if (x < 0 || x > 1) {
                throw new LayoutException(field, "coordinates are fractions of the image and must lie in [0, 1], got " + b);
            }
        }
        if (b.x0() >= b.x1() || b.y0() >= b.y1()) {
            throw new LayoutException(field, "needs x0 < x1 and y0 < y1 ([x0, y0, x1, y1], origin top-left), got " + b);
        }
        if (b.width() < MIN_SIDE || b.height() < MIN_SIDE) {
            throw new LayoutException(field, "is " + b.width() + " × " + b.height() + " of the image; each side must be at "
                    + "least 1/32 (" + MIN_SIDE + ")");
        }
    }

    private static void checkControl(Control c) {
        if (!Double.isFinite(c.strength()) || c.strength() < 0 || c.strength() > 1) {
            throw new LayoutException("control.strength", "must be a number in [0, 1], got " + c.strength());
        }
        if (c.untilT() < 0 || c.untilT() > 1000) {
            throw new LayoutException("control.until_t", "must be a timestep in [0, 1000], got " + c.untilT());
        }
        if (c.overlap() == null) {
            throw new LayoutException("control.overlap", "is required");
        }
    }
}
