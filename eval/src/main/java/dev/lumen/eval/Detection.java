package dev.lumen.eval;

import java.util.List;

/**
 * What the scorer found in one image: its blobs (palette-coloured 4-connected regions at least the
 * minimum area) and, per pixel, which blob it belongs to.
 */
public final class Detection {
    private final int width;
    private final int height;
    private final List<Blob> blobs;
    private final int[] blobOfPixel;

    Detection(int width, int height, List<Blob> blobs, int[] blobOfPixel) {
        this.width = width;
        this.height = height;
        this.blobs = List.copyOf(blobs);
        this.blobOfPixel = blobOfPixel;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public List<Blob> blobs() {
        return blobs;
    }

    public List<Blob> blobsOf(String colour) {
        return blobs.stream().filter(b -> b.colour().equals(colour)).toList();
    }

    /** The index in {@link #blobs()} of the blob covering pixel (x, y), or -1 for none. */
    public int blobAt(int x, int y) {
        return blobOfPixel[y * width + x];
    }
}
