package dev.lumen.eval;

import java.util.List;

/**
 * How well one image shows its prompt. {@code colour}, {@code position}, {@code shape} and
 * {@code size} are the fraction of the prompt's objects that are right in that respect (an object
 * missing from the image is wrong in all of them); {@code position} counts only objects with a
 * named cell or a relation and {@code size} only objects with a named size, and each is NaN when
 * the prompt constrains no object that way. {@code count}, {@code objOk} and {@code allOk} are
 * per image. {@code matched} gives, per expected object, the blob taken for it (null: none).
 */
public record ImageScore(double colour, double position, double shape, double size, boolean count,
                         boolean objOk, boolean allOk, List<Blob> matched, List<Blob> blobs) {

    /** The metric names, in the order of {@link #values()}. */
    public static final List<String> METRICS = List.of("colour", "position", "shape", "size", "count", "obj_ok", "all_ok");

    public ImageScore {
        matched = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(matched));
        blobs = List.copyOf(blobs);
    }

    /** The metrics in the order of {@link #METRICS}; NaN marks one the prompt does not ask about. */
    public double[] values() {
        return new double[] {colour, position, shape, size, count ? 1 : 0, objOk ? 1 : 0, allOk ? 1 : 0};
    }
}
