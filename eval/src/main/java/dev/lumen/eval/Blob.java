package dev.lumen.eval;

/**
 * One connected region of a palette colour in a scored image. Coordinates are pixels of that
 * image ({@code cx, cy} the centroid of pixel centres; the bounding box inclusive); {@code area}
 * is the number of pixels the blob holds; {@code shape} is the best-fitting ideal shape and
 * {@code shapeIoU} its fit; {@code halfExtent} is the half-extent that shape needs for the blob's
 * area counted with its soft edge, in pixels at the domain's width; {@code size} is the size class
 * nearest to it.
 */
public record Blob(String colour, int area, double cx, double cy, int minX, int minY, int maxX, int maxY,
                   ShapeKind shape, double shapeIoU, double halfExtent, String size) {
}
