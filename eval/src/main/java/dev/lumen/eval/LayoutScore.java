package dev.lumen.eval;

import java.util.List;

/**
 * Layout adherence of one image (layout.md §7.2 step 4): per region whether its colour is
 * present, whether the matched blob's centroid lies in the box, the IoU of the blob's bounding box
 * with the box, and the share of the colour's mass inside the box(es) asking for it; per image
 * whether every colour has exactly as many blobs as regions ask for ({@code countOk}) and whether
 * every region's centre is in its box ({@code success}).
 */
public record LayoutScore(List<Region> regions, boolean countOk, boolean success) {

    /** One region's scores; {@code blob} is null when the colour is absent. */
    public record Region(LayoutRegion region, boolean present, boolean centreInBox, double iou, double massInBox,
                         Blob blob) {
    }

    public LayoutScore {
        regions = List.copyOf(regions);
    }

    public double presence() {
        return regions.stream().mapToDouble(r -> r.present() ? 1 : 0).average().orElse(Double.NaN);
    }

    public double centreInBox() {
        return regions.stream().mapToDouble(r -> r.centreInBox() ? 1 : 0).average().orElse(Double.NaN);
    }

    public double iou() {
        return regions.stream().mapToDouble(Region::iou).average().orElse(Double.NaN);
    }

    public double massInBox() {
        return regions.stream().mapToDouble(Region::massInBox).average().orElse(Double.NaN);
    }
}
