package dev.lumen.eval;

/** A layout region as the layout benchmark scores it: where ({@code box}) a {@code colour} should be. */
public record LayoutRegion(Box box, String colour) {
}
