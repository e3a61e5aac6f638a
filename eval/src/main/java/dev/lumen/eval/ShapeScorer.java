package dev.lumen.eval;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coloured-shapes scorer: finds the shapes in an image of the {@link Domain} without any
 * learned detector, and checks them against a prompt ({@link #score}) or a layout
 * ({@link #scoreLayout}).
 *
 * <p>Each pixel takes its nearest palette colour when that is within {@link #COLOUR_DISTANCE} in
 * RGB, else it is background (the background is a light tint, far from every palette colour,
 * black included). Per colour, 4-connected components of at least {@link #MIN_AREA_FRACTION} of
 * the image are blobs. A blob's shape is the domain shape whose ideal outline, given the blob's
 * area and centred at its centroid, overlaps it best (IoU); its size class follows from the
 * half-extent that shape needs for that area counted with its antialiased edge. A blob the image
 * border cuts is fitted by centre and half-extent to what is visible instead (the uncut axis gives
 * the extent; a pattern search polishes it). Lengths scale with the image's width over the
 * domain's, so any image size works.
 */
public final class ShapeScorer {
    /** Largest RGB distance at which a pixel still counts as a palette colour (the domain jitters colours by ±8). */
    public static final double COLOUR_DISTANCE = 70;
    /** Smallest blob, as a share of the image: 20 px at 64×64, well under a small circle (≈ 78 px). */
    public static final double MIN_AREA_FRACTION = 20.0 / (64 * 64);
    /** Spare distance a relation needs between centroids, as a share of the width: 6 px at 64. */
    public static final double RELATION_MARGIN_FRACTION = 6.0 / 64;

    private final Domain domain;
    private final String[] colourNames;
    private final Domain.Rgb[] palette;

    public ShapeScorer(Domain domain) {
        this.domain = domain;
        this.colourNames = domain.colours().keySet().toArray(String[]::new);
        this.palette = domain.colours().values().toArray(Domain.Rgb[]::new);
    }

    public Domain domain() {
        return domain;
    }

    /** Finds the blobs of an image. */
    public Detection detect(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        int[] label = new int[w * h];
        int limit = (int) Math.floor(COLOUR_DISTANCE * COLOUR_DISTANCE);
        for (int i = 0; i < label.length; i++) {
            label[i] = nearestColour(rgb[i], limit);
        }
        double scale = (double) w / domain.width();
        double[] background = meanBackground(rgb, label);
        double minArea = MIN_AREA_FRACTION * w * h;
        int[] blobOf = new int[w * h];
        Arrays.fill(blobOf, -1);
        boolean[] seen = new boolean[w * h];
        int[] queue = new int[w * h];
        List<Blob> blobs = new ArrayList<>();
        for (int start = 0; start < label.length; start++) {
            if (seen[start] || label[start] < 0) {
                continue;
            }
            int colour = label[start];
            int size = 0;
            queue[size++] = start;
            seen[start] = true;
            for (int head = 0; head < size; head++) {
                int p = queue[head];
                int x = p % w;
                int y = p / w;
                if (x > 0) {
                    size = visit(p - 1, colour, label, seen, queue, size);
                }
                if (x < w - 1) {
                    size = visit(p + 1, colour, label, seen, queue, size);
                }
                if (y > 0) {
                    size = visit(p - w, colour, label, seen, queue, size);
                }
                if (y < h - 1) {
                    size = visit(p + w, colour, label, seen, queue, size);
                }
            }
            if (size >= minArea) {
                int index = blobs.size();
                for (int i = 0; i < size; i++) {
                    blobOf[queue[i]] = index;
                }
                blobs.add(describe(colour, Arrays.copyOf(queue, size), rgb, label, background, w, h, scale, blobOf, index));
            }
        }
        return new Detection(w, h, blobs, blobOf);
    }

    private static int visit(int p, int colour, int[] label, boolean[] seen, int[] queue, int size) {
        if (!seen[p] && label[p] == colour) {
            seen[p] = true;
            queue[size++] = p;
        }
        return size;
    }

    private int nearestColour(int packed, int limit) {
        int r = (packed >> 16) & 0xff;
        int g = (packed >> 8) & 0xff;
        int b = packed & 0xff;
        int best = -1;
        int bestDistance = limit + 1;
        for (int c = 0; c < palette.length; c++) {
            int d = palette[c].distanceSquared(r, g, b);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** The mean colour of the pixels no palette colour claimed, or null when there are none. */
    private static double[] meanBackground(int[] rgb, int[] label) {
        double[] sum = new double[3];
        long n = 0;
        for (int i = 0; i < rgb.length; i++) {
            if (label[i] < 0) {
                sum[0] += (rgb[i] >> 16) & 0xff;
                sum[1] += (rgb[i] >> 8) & 0xff;
                sum[2] += rgb[i] & 0xff;
                n++;
            }
        }
        return n == 0 ? null : new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
    }

    private Blob describe(int colourIndex, int[] pixels, int[] rgb, int[] label, double[] background, int w, int h,
                          double scale, int[] blobOf, int index) {
        double sx = 0;
        double sy = 0;
        int minX = w;
        int minY = h;
        int maxX = -1;
        int maxY = -1;
        for (int p : pixels) {
            int x = p % w;
            int y = p / w;
            sx += x + 0.5;
            sy += y + 0.5;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        int area = pixels.length;
        double cx = sx / area;
        double cy = sy / area;
        // A shape the image border cuts has lost area and its centroid has moved inwards, so the
        // same-area ideal at the centroid fits it badly: fit centre and size to what is visible.
        boolean cut = minX == 0 || minY == 0 || maxX == w - 1 || maxY == h - 1;
        Placement best = null;
        double bestIoU = -1;
        for (ShapeKind shape : domain.shapes()) {
            Placement p = cut
                    ? refine(fromVisibleExtent(shape, area, minX, minY, maxX, maxY, w, h), area, scale, w, h, blobOf, index)
                    : new Placement(shape, cx, cy, shape.halfExtentForArea(area));
            double iou = overlap(p, area, scale, w, h, blobOf, index);
            if (iou > bestIoU) {
                best = p;
                bestIoU = iou;
            }
        }
        // A ring of 2 px at the domain's width holds the antialiased and mildly blurred edge.
        double softArea = area + edgeCoverage(colourIndex, rgb, label, background, minX, minY, maxX, maxY, w, h,
                Math.max(1, (int) Math.round(2 * scale)), blobOf, index);
        // Area goes with the square of the half-extent, so the soft edge scales a fitted one by the root.
        double halfExtent = (cut ? best.half() * Math.sqrt(softArea / area) : best.shape().halfExtentForArea(softArea)) / scale;
        return new Blob(colourNames[colourIndex], area, cx, cy, minX, minY, maxX, maxY, best.shape(), bestIoU, halfExtent,
                domain.sizeClass(halfExtent));
    }

    /**
     * How much of the shape lies in the background pixels just outside the blob. The colour
     * threshold keeps only edge pixels mostly covered by the shape, which shrinks every blob by a
     * fraction of a pixel all round (more when the image is soft) and would bias the size class;
     * each background pixel within {@code ring} pixels of the blob adds its share of the way from
     * the background colour to the blob's colour.
     */
    private double edgeCoverage(int colourIndex, int[] rgb, int[] label, double[] background, int minX, int minY,
                                int maxX, int maxY, int w, int h, int ring, int[] blobOf, int index) {
        if (background == null) {
            return 0;
        }
        Domain.Rgb c = palette[colourIndex];
        double ax = c.r() - background[0];
        double ay = c.g() - background[1];
        double az = c.b() - background[2];
        double span = ax * ax + ay * ay + az * az;
        if (span == 0) {
            return 0;
        }
        int x0 = Math.max(0, minX - ring);
        int y0 = Math.max(0, minY - ring);
        int bw = Math.min(w - 1, maxX + ring) - x0 + 1;
        int bh = Math.min(h - 1, maxY + ring) - y0 + 1;
        boolean[] near = dilate(blobOf, index, w, x0, y0, bw, bh, ring);
        double coverage = 0;
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) {
                int p = (y0 + y) * w + x0 + x;
                if (label[p] >= 0 || !near[y * bw + x]) {
                    continue;
                }
                double t = (((rgb[p] >> 16) & 0xff) - background[0]) * ax + (((rgb[p] >> 8) & 0xff) - background[1]) * ay
                        + ((rgb[p] & 0xff) - background[2]) * az;
                coverage += Math.max(0, Math.min(1, t / span));
            }
        }
        return coverage;
    }

    /**
     * Which pixels of the window (x0, y0, bw, bh) lie within {@code ring} pixels (Chebyshev) of the
     * blob: a square dilation as two running-sum passes, linear in the window's size even for
     * large images.
     */
    private static boolean[] dilate(int[] blobOf, int index, int w, int x0, int y0, int bw, int bh, int ring) {
        int[] rowHits = new int[bw * bh];
        int[] prefix = new int[Math.max(bw, bh) + 1];
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) {
                prefix[x + 1] = prefix[x] + (blobOf[(y0 + y) * w + x0 + x] == index ? 1 : 0);
            }
            for (int x = 0; x < bw; x++) {
                rowHits[y * bw + x] = prefix[Math.min(bw, x + ring + 1)] - prefix[Math.max(0, x - ring)];
            }
        }
        boolean[] near = new boolean[bw * bh];
        for (int x = 0; x < bw; x++) {
            for (int y = 0; y < bh; y++) {
                prefix[y + 1] = prefix[y] + (rowHits[y * bw + x] > 0 ? 1 : 0);
            }
            for (int y = 0; y < bh; y++) {
                near[y * bw + x] = prefix[Math.min(bh, y + ring + 1)] - prefix[Math.max(0, y - ring)] > 0;
            }
        }
        return near;
    }

    /** An ideal shape placed on the image: centre and half-extent in the image's pixels. */
    private record Placement(ShapeKind shape, double cx, double cy, double half) {
    }

    /**
     * IoU of the blob with an ideal shape. The shape's coverage of each pixel is sub-sampled (about
     * 4×4 per pixel at the domain's size), so the fit does not depend on where the centre falls
     * within a pixel; only the part of the shape inside the image counts.
     */
    private static double overlap(Placement p, int area, double scale, int w, int h, int[] blobOf, int index) {
        int samples = Math.max(1, (int) Math.round(4 / scale));
        double reach = p.shape().reach(p.half()) + 1;
        int x0 = (int) Math.floor(p.cx() - reach);
        int x1 = (int) Math.ceil(p.cx() + reach);
        int y0 = (int) Math.floor(p.cy() - reach);
        int y1 = (int) Math.ceil(p.cy() + reach);
        boolean inside = x0 >= 0 && y0 >= 0 && x1 < w && y1 < h;
        double inter = 0;
        double ideal = 0;
        double step = 1.0 / samples;
        for (int y = Math.max(0, y0); y <= Math.min(h - 1, y1); y++) {
            for (int x = Math.max(0, x0); x <= Math.min(w - 1, x1); x++) {
                boolean inBlob = blobOf[y * w + x] == index;
                if (!inBlob && inside) {
                    continue; // the ideal area is known exactly when nothing is cut off
                }
                int hits = 0;
                for (int j = 0; j < samples; j++) {
                    double dy = y + (j + 0.5) * step - p.cy();
                    for (int i = 0; i < samples; i++) {
                        if (p.shape().contains(x + (i + 0.5) * step - p.cx(), dy, p.half())) {
                            hits++;
                        }
                    }
                }
                double covered = hits * step * step;
                ideal += covered;
                inter += inBlob ? covered : 0;
            }
        }
        if (inside) {
            ideal = p.shape().areaFactor() * p.half() * p.half();
        }
        return inter / (area + ideal - inter);
    }

    /**
     * Where a shape cut by the border would have to be: an axis on which the blob touches neither
     * border shows the shape's whole extent (2h across for every shape; 2h high, apex to base, for
     * the triangle as for the others), which gives the half-extent; the centre then sits h (or the
     * triangle's offsets) inside the side that is not cut. A blob cut on both axes (a corner) gets
     * the half-extent of its area, the least the shape can have.
     */
    private static Placement fromVisibleExtent(ShapeKind shape, int area, int minX, int minY, int maxX, int maxY, int w, int h) {
        boolean left = minX == 0;
        boolean right = maxX == w - 1;
        boolean top = minY == 0;
        boolean bottom = maxY == h - 1;
        double x0 = minX;
        double x1 = maxX + 1;
        double y0 = minY;
        double y1 = maxY + 1;
        double half = !left && !right ? (x1 - x0) / 2 : !top && !bottom ? (y1 - y0) / 2 : shape.halfExtentForArea(area);
        double cx = left == right ? (x0 + x1) / 2 : left ? x1 - half : x0 + half;
        // From the top of the shape to its centre, and from its centre to the bottom.
        double above = shape == ShapeKind.TRIANGLE ? 4 * half / 3 : half;
        double below = shape == ShapeKind.TRIANGLE ? 2 * half / 3 : half;
        double cy = top == bottom ? y0 + (y1 - y0) * above / (above + below) : top ? y1 - below : y0 + above;
        return new Placement(shape, cx, cy, half);
    }

    /**
     * Moves and resizes the placement to the best IoU by pattern search: try a step either way in
     * x, y and half-extent, keep what helps, halve the step when nothing does.
     */
    private static Placement refine(Placement start, int area, double scale, int w, int h, int[] blobOf, int index) {
        double[] v = {start.cx(), start.cy(), start.half()};
        double best = overlap(start, area, scale, w, h, blobOf, index);
        double step = Math.max(scale, start.half() / 4);
        for (int evaluations = 0; step >= scale / 8 && evaluations < 300; ) {
            boolean improved = false;
            for (int d = 0; d < 3; d++) {
                for (int sign = -1; sign <= 1; sign += 2) {
                    double[] t = v.clone();
                    t[d] += sign * step;
                    if (t[2] < scale) {
                        continue;
                    }
                    double iou = overlap(new Placement(start.shape(), t[0], t[1], t[2]), area, scale, w, h, blobOf, index);
                    evaluations++;
                    if (iou > best + 1e-9) {
                        best = iou;
                        v = t;
                        improved = true;
                    }
                }
            }
            if (!improved) {
                step /= 2;
            }
        }
        return new Placement(start.shape(), v[0], v[1], v[2]);
    }

    /** Scores an image against a prompt. */
    public ImageScore score(BufferedImage image, EvalPrompt prompt) {
        return score(detect(image), prompt);
    }

    /**
     * Scores detected blobs against a prompt. Objects take blobs of their own colour; when a colour
     * is asked for more than once (the count group) the blobs are shared out by optimal assignment,
     * preferring for each object a blob in its cell, then of its shape, then of its size, then the
     * larger.
     */
    public ImageScore score(Detection detection, EvalPrompt prompt) {
        List<EvalPrompt.ExpectedObject> objects = prompt.objects();
        Blob[] matched = new Blob[objects.size()];
        Map<String, List<Integer>> objectsByColour = new LinkedHashMap<>();
        for (int i = 0; i < objects.size(); i++) {
            objectsByColour.computeIfAbsent(objects.get(i).colour(), c -> new ArrayList<>()).add(i);
        }
        double imageArea = (double) detection.width() * detection.height();
        boolean countOk = detection.blobs().size() == objects.size();
        for (Map.Entry<String, List<Integer>> e : objectsByColour.entrySet()) {
            List<Blob> candidates = detection.blobsOf(e.getKey());
            List<Integer> wanted = e.getValue();
            countOk &= candidates.size() == wanted.size();
            double[][] cost = new double[wanted.size()][candidates.size()];
            for (int r = 0; r < wanted.size(); r++) {
                EvalPrompt.ExpectedObject o = objects.get(wanted.get(r));
                for (int c = 0; c < candidates.size(); c++) {
                    Blob b = candidates.get(c);
                    double preference = (o.cell() != null && inCell(b, o.cell(), detection) ? 4 : 0)
                            + (b.shape() == o.shape() ? 2 : 0)
                            + (o.size() != null && o.size().equals(b.size()) ? 1 : 0)
                            + b.area() / imageArea;
                    cost[r][c] = -preference;
                }
            }
            int[] assignment = Assignment.minimumCost(cost);
            for (int r = 0; r < wanted.size(); r++) {
                matched[wanted.get(r)] = assignment[r] < 0 ? null : candidates.get(assignment[r]);
            }
        }
        double margin = RELATION_MARGIN_FRACTION * detection.width();
        int n = objects.size();
        int colourRight = 0;
        int shapeRight = 0;
        int sized = 0;
        int sizeRight = 0;
        int placed = 0;
        int placeRight = 0;
        boolean objOk = true;
        boolean sizesOk = true;
        for (int i = 0; i < n; i++) {
            EvalPrompt.ExpectedObject o = objects.get(i);
            Blob b = matched[i];
            boolean colourOk = b != null;
            boolean shapeOk = b != null && b.shape() == o.shape();
            boolean constrained = o.cell() != null;
            boolean placeOk = b != null && (o.cell() == null || inCell(b, o.cell(), detection));
            for (EvalPrompt.Relation rel : prompt.relations()) {
                if (rel.subject() == i || rel.object() == i) {
                    constrained = true;
                    Blob s = matched[rel.subject()];
                    Blob t = matched[rel.object()];
                    placeOk &= s != null && t != null && rel.kind().holds(s.cx(), s.cy(), t.cx(), t.cy(), margin);
                }
            }
            colourRight += colourOk ? 1 : 0;
            shapeRight += shapeOk ? 1 : 0;
            if (constrained) {
                placed++;
                placeRight += placeOk ? 1 : 0;
            }
            if (o.size() != null) {
                boolean sizeOk = b != null && o.size().equals(b.size());
                sized++;
                sizeRight += sizeOk ? 1 : 0;
                sizesOk &= sizeOk;
            }
            objOk &= colourOk && shapeOk && (!constrained || placeOk);
        }
        return new ImageScore((double) colourRight / n, placed == 0 ? Double.NaN : (double) placeRight / placed,
                (double) shapeRight / n, sized == 0 ? Double.NaN : (double) sizeRight / sized, countOk, objOk,
                objOk && countOk && sizesOk, Arrays.asList(matched), detection.blobs());
    }

    private boolean inCell(Blob b, EvalPrompt.Cell cell, Detection detection) {
        int g = domain.grid();
        int col = Math.min(g - 1, (int) Math.floor(b.cx() * g / detection.width()));
        int row = Math.min(g - 1, (int) Math.floor(b.cy() * g / detection.height()));
        return row == cell.row() && col == cell.col();
    }

    /** Scores an image against layout regions (see {@link LayoutScore}). */
    public LayoutScore scoreLayout(BufferedImage image, List<LayoutRegion> regions) {
        return scoreLayout(detect(image), regions);
    }

    /**
     * Scores detected blobs against layout regions. Regions of one colour share that colour's blobs
     * by optimal assignment, preferring a blob whose centroid lies in the box, then the larger IoU
     * of its bounding box with the box. Mass-in-box is the share of the colour's blob pixels whose
     * centres lie inside any box asking for that colour.
     */
    public LayoutScore scoreLayout(Detection detection, List<LayoutRegion> regions) {
        int w = detection.width();
        int h = detection.height();
        Map<String, List<Integer>> regionsByColour = new LinkedHashMap<>();
        for (int i = 0; i < regions.size(); i++) {
            String colour = regions.get(i).colour();
            if (!domain.colours().containsKey(colour)) {
                throw new IllegalArgumentException("region " + i + " asks for colour \"" + colour
                        + "\", which is not in the domain's colours " + domain.colours().keySet());
            }
            regionsByColour.computeIfAbsent(colour, c -> new ArrayList<>()).add(i);
        }
        LayoutScore.Region[] scored = new LayoutScore.Region[regions.size()];
        boolean countOk = detection.blobs().size() == regions.size();
        for (Map.Entry<String, List<Integer>> e : regionsByColour.entrySet()) {
            List<Blob> candidates = detection.blobsOf(e.getKey());
            List<Integer> wanted = e.getValue();
            countOk &= candidates.size() == wanted.size();
            double mass = massInBoxes(detection, e.getKey(), wanted.stream().map(i -> regions.get(i).box()).toList());
            double[][] cost = new double[wanted.size()][candidates.size()];
            for (int r = 0; r < wanted.size(); r++) {
                Box box = regions.get(wanted.get(r)).box();
                for (int c = 0; c < candidates.size(); c++) {
                    Blob b = candidates.get(c);
                    cost[r][c] = -((centreIn(b, box, w, h) ? 1 : 0) + boundingBox(b, w, h).iou(box));
                }
            }
            int[] assignment = Assignment.minimumCost(cost);
            for (int r = 0; r < wanted.size(); r++) {
                LayoutRegion region = regions.get(wanted.get(r));
                Blob b = assignment[r] < 0 ? null : candidates.get(assignment[r]);
                scored[wanted.get(r)] = b == null
                        ? new LayoutScore.Region(region, false, false, 0, mass, null)
                        : new LayoutScore.Region(region, true, centreIn(b, region.box(), w, h),
                                boundingBox(b, w, h).iou(region.box()), mass, b);
            }
        }
        boolean success = Arrays.stream(scored).allMatch(LayoutScore.Region::centreInBox);
        return new LayoutScore(Arrays.asList(scored), countOk, success);
    }

    private static boolean centreIn(Blob b, Box box, int w, int h) {
        return box.contains(b.cx() / w, b.cy() / h);
    }

    /** The blob's bounding box in image fractions (pixel edges, so a one-pixel blob has a positive area). */
    public static Box boundingBox(Blob b, int w, int h) {
        return new Box((double) b.minX() / w, (double) b.minY() / h, (double) (b.maxX() + 1) / w, (double) (b.maxY() + 1) / h);
    }

    private static double massInBoxes(Detection detection, String colour, List<Box> boxes) {
        int w = detection.width();
        int h = detection.height();
        List<Blob> blobs = detection.blobs();
        long total = 0;
        long inside = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int b = detection.blobAt(x, y);
                if (b < 0 || !blobs.get(b).colour().equals(colour)) {
                    continue;
                }
                total++;
                double fx = (x + 0.5) / w;
                double fy = (y + 0.5) / h;
                if (boxes.stream().anyMatch(box -> box.contains(fx, fy))) {
                    inside++;
                }
            }
        }
        return total == 0 ? 0 : (double) inside / total;
    }
}
