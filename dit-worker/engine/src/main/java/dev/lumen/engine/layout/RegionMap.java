package dev.lumen.engine.layout;

import dev.lumen.engine.layout.RegionalLayout.Box;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The region of every image token (layout.md §3.3): a partition of the {@code gridHeight ×
 * gridWidth} token grid into region 0 (background) and regions 1..R (the boxes in list order).
 *
 * <p>The rule, exactly as the regional goldens define it: token (i, j) has centre
 * ((j + ½)/W, (i + ½)/H); box r covers it iff {@code x0 ≤ cx < x1} and {@code y0 ≤ cy < y1}
 * (half-open, so a box edge on a centre takes that token on its x0/y0 side only). A box that covers
 * no centre covers instead the one token containing its own centre (with a warning). Each token
 * takes, among the boxes covering it, the one of smallest area; equal areas: the later box; none:
 * 0. A box whose tokens all went to smaller boxes keeps none (its caption then has no effect).
 *
 * <p>Boxes are in fractions of the token grid's canvas; {@link #toBinnedCanvas} maps a box given in
 * fractions of the requested output image onto the canvas of a resolution bin.
 */
public final class RegionMap {
    private final int gridHeight;
    private final int gridWidth;
    private final int regionCount;
    private final int[] ids;
    private final List<Integer> fallbackRegions;
    private final List<Integer> regionsWithoutTokens;

    private RegionMap(int gridHeight, int gridWidth, int regionCount, int[] ids, List<Integer> fallbackRegions,
                      List<Integer> regionsWithoutTokens) {
        this.gridHeight = gridHeight;
        this.gridWidth = gridWidth;
        this.regionCount = regionCount;
        this.ids = ids;
        this.fallbackRegions = List.copyOf(fallbackRegions);
        this.regionsWithoutTokens = List.copyOf(regionsWithoutTokens);
    }

    /** Assigns every token of a {@code gridHeight × gridWidth} grid to one of the boxes (1..R) or the background (0). */
    public static RegionMap of(List<Box> boxes, int gridHeight, int gridWidth) {
        if (gridHeight < 1 || gridWidth < 1) {
            throw new IllegalArgumentException("token grid must be at least 1×1, got " + gridHeight + "×" + gridWidth);
        }
        int tokens = gridHeight * gridWidth;
        int[] ids = new int[tokens];
        double[] winnerArea = new double[tokens];
        Arrays.fill(winnerArea, Double.POSITIVE_INFINITY);
        List<Integer> fallback = new ArrayList<>();
        // Regions in list order with "≤" on the area: a later box of equal area takes the token.
        for (int r = 1; r <= boxes.size(); r++) {
            Box b = boxes.get(r - 1);
            double area = b.area();
            boolean coversAny = false;
            for (int i = 0; i < gridHeight; i++) {
                double cy = (i + 0.5) / gridHeight;
                if (cy < b.y0() || cy >= b.y1()) {
                    continue;
                }
                for (int j = 0; j < gridWidth; j++) {
                    double cx = (j + 0.5) / gridWidth;
                    if (cx >= b.x0() && cx < b.x1()) {
                        coversAny = true;
                        claim(ids, winnerArea, i * gridWidth + j, r, area);
                    }
                }
            }
            if (!coversAny) {
                int j = Math.min((int) Math.floor((b.x0() + b.x1()) / 2 * gridWidth), gridWidth - 1);
                int i = Math.min((int) Math.floor((b.y0() + b.y1()) / 2 * gridHeight), gridHeight - 1);
                fallback.add(r);
                claim(ids, winnerArea, i * gridWidth + j, r, area);
            }
        }
        int[] counts = new int[boxes.size() + 1];
        for (int id : ids) {
            counts[id]++;
        }
        List<Integer> empty = new ArrayList<>();
        for (int r = 1; r <= boxes.size(); r++) {
            if (counts[r] == 0) {
                empty.add(r);
            }
        }
        return new RegionMap(gridHeight, gridWidth, boxes.size(), ids, fallback, empty);
    }

    private static void claim(int[] ids, double[] winnerArea, int token, int region, double area) {
        if (area <= winnerArea[token]) {
            ids[token] = region;
            winnerArea[token] = area;
        }
    }

    /**
     * A box in fractions of the requested output image ({@code outWidth × outHeight} pixels) in
     * fractions of the canvas the model actually generates when resolution binning is on: diffusers
     * generates at the bin ({@code binWidth × binHeight}), scales by
     * {@code s = max(outHeight/binHeight, outWidth/binWidth)} and centre-crops (layout.md §3.3.1).
     * Without binning (bin = output) this is the identity.
     */
    public static Box toBinnedCanvas(Box box, int outWidth, int outHeight, int binWidth, int binHeight) {
        double s = Math.max((double) outHeight / binHeight, (double) outWidth / binWidth);
        // Python's int() and // (floor division), as diffusers' resize_and_crop_tensor computes them.
        int left = Math.floorDiv((int) (binWidth * s) - outWidth, 2);
        int top = Math.floorDiv((int) (binHeight * s) - outHeight, 2);
        return new Box((box.x0() * outWidth + left) / (s * binWidth), (box.y0() * outHeight + top) / (s * binHeight),
                (box.x1() * outWidth + left) / (s * binWidth), (box.y1() * outHeight + top) / (s * binHeight));
    }

    public int gridHeight() {
        return gridHeight;
    }

    public int gridWidth() {
        return gridWidth;
    }

    /** R: the number of boxes (regions 1..R; region 0 is the background). */
    public int regionCount() {
        return regionCount;
    }

    /** The region of token (i, j). */
    public int id(int i, int j) {
        return ids[i * gridWidth + j];
    }

    /** The region of every token, row-major (token n = i·W + j, the order the patch embedding flattens in). */
    public int[] ids() {
        return ids.clone();
    }

    /** How many tokens region r (0..R) holds. */
    public int tokenCount(int region) {
        int n = 0;
        for (int id : ids) {
            if (id == region) {
                n++;
            }
        }
        return n;
    }

    /** Boxes (1..R) that covered no token centre and took the token containing their own centre instead. */
    public List<Integer> fallbackRegions() {
        return fallbackRegions;
    }

    /** Boxes (1..R) left with no token: all theirs went to smaller boxes. */
    public List<Integer> regionsWithoutTokens() {
        return regionsWithoutTokens;
    }

    /** What a user should hear about this map (regions counted from 0 as in {@code regions[i]}). */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (int r : fallbackRegions) {
            out.add("regions[" + (r - 1) + "].box covers no token centre of the " + gridHeight + "×" + gridWidth
                    + " token grid; it gets the one token containing its centre");
        }
        for (int r : regionsWithoutTokens) {
            out.add("regions[" + (r - 1) + "].box keeps no token (smaller boxes cover all of it); its caption has no effect");
        }
        return out;
    }
}
