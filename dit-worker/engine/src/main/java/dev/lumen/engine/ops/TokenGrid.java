package dev.lumen.engine.ops;

/**
 * The geometry of a {@code height × width} image-token grid (tokens row-major) cut into square
 * cells or windows of a given side, as {@link Ops#poolTokens}, {@link Ops#upsampleTokens} and
 * {@link Ops#localPooledAttention} use it: tiles start at the top-left corner and the last row and
 * column of tiles are cut off by the grid's edge where the side does not divide it.
 */
public record TokenGrid(int height, int width) {

    public TokenGrid {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("token grid " + height + "×" + width + " is empty");
        }
    }

    public int tokens() {
        return height * width;
    }

    /** Rows of tiles of side {@code side}. */
    public int tileRows(int side) {
        return Math.ceilDiv(height, side);
    }

    /** Columns of tiles of side {@code side}. */
    public int tileColumns(int side) {
        return Math.ceilDiv(width, side);
    }

    /** Tiles of side {@code side}: the token count after pooling with that cell. */
    public int tiles(int side) {
        return tileRows(side) * tileColumns(side);
    }

    /** The tile (row-major index) holding token {@code token}. */
    public int tileOf(int token, int side) {
        return (token / width / side) * tileColumns(side) + (token % width) / side;
    }

    /** Tokens on the grid in tile {@code tile} (side² inside, fewer on the bottom and right edges). */
    public int tokensIn(int tile, int side) {
        int row = tile / tileColumns(side);
        int col = tile % tileColumns(side);
        return (Math.min(height, (row + 1) * side) - row * side) * (Math.min(width, (col + 1) * side) - col * side);
    }

    /** Σ over tiles of (tokens in the tile)²: the query-key pairs of attention within tiles. */
    public long tilePairs(int side) {
        long pairs = 0;
        for (int t = 0; t < tiles(side); t++) {
            long n = tokensIn(t, side);
            pairs += n * n;
        }
        return pairs;
    }

    /** Checks that {@code x [B, tokens, D]} holds this grid's tokens; returns x's shape. */
    public int[] requireTokens(String op, int[] shape) {
        if (shape.length != 3 || shape[1] != tokens()) {
            throw new IllegalArgumentException(op + ": " + java.util.Arrays.toString(shape) + " is not [batch, "
                    + height + "·" + width + " tokens, channels]");
        }
        return shape;
    }

    /** Checks a cell or window side. */
    public static void requireSide(String op, String what, int side) {
        if (side < 1) {
            throw new IllegalArgumentException(op + ": " + what + " must be at least 1, got " + side);
        }
    }
}
