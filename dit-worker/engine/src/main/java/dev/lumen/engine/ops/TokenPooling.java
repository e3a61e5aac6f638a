package dev.lumen.engine.ops;

/**
 * How {@link Ops#poolTokens} reduces a cell of the token grid to one token: {@code AVG} averages
 * the cell's tokens that lie on the grid (an edge cell where the cell size does not divide the
 * grid averages fewer), {@code NEAREST} keeps the cell's top-left token, as nearest-neighbour
 * downsampling by the cell size does (PixArt-Σ's "ave" KV compression is this).
 */
public enum TokenPooling {
    AVG,
    NEAREST
}
