package dev.lumen.engine.density;

import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import java.util.Locale;

/**
 * What one transformer block does with its image tokens at one denoising step (token density,
 * docs/adr/0009). Every operator runs the block's pretrained weights unchanged:
 * <ul>
 *   <li>{@link Dense}: the block as trained.</li>
 *   <li>{@link KvPool}: self-attention keeps every query but attends to keys and values pooled over
 *       {@code cell × cell} tiles of the token grid (the block input is pooled before the key and
 *       value projections, which for {@code avg} equals pooling the keys and values).</li>
 *   <li>{@link KvPoolLocal}: each query attends to the dense keys of its own {@code window × window}
 *       tile plus all pooled keys, those weighted by the tokens they stand for.</li>
 *   <li>{@link MeanV} (experimental): uniform self-attention, i.e. every token receives the output
 *       projection of the mean value.</li>
 *   <li>{@link Coarse}: the whole block runs on the grid pooled by {@code cell}, and only its update
 *       is upsampled back onto the dense residual stream.</li>
 * </ul>
 * Tiles start at the grid's top-left corner; where the side does not divide the grid, edge tiles
 * hold fewer tokens and average only those.
 */
public sealed interface TokenOperator {

    /** The one dense operator. */
    TokenOperator DENSE = new Dense();

    /** The name used in plans and reports, e.g. {@code kv_pool(s=2,avg)}. */
    String label();

    /** The {@code "op"} of a rule that selects this operator, e.g. {@code kv_pool}. */
    default String op() {
        return label().replaceFirst("\\(.*", "");
    }

    /**
     * Whether this operator combines tokens of different regions of a layout: a pooled cell or a
     * coarse token averaging tokens of more than one region id, or a mean over the whole grid.
     * {@code regionIds} holds each token's region, row-major on {@code grid}.
     */
    boolean mixesRegions(int[] regionIds, TokenGrid grid);

    record Dense() implements TokenOperator {
        @Override
        public String label() {
            return "dense";
        }

        @Override
        public boolean mixesRegions(int[] regionIds, TokenGrid grid) {
            return false;
        }
    }

    record KvPool(int cell, TokenPooling mode) implements TokenOperator {
        @Override
        public String label() {
            return "kv_pool(s=" + cell + "," + mode.name().toLowerCase(Locale.ROOT) + ")";
        }

        @Override
        public boolean mixesRegions(int[] regionIds, TokenGrid grid) {
            return mode == TokenPooling.AVG && cellsMix(regionIds, grid, cell);
        }
    }

    record KvPoolLocal(int cell, int window) implements TokenOperator {
        @Override
        public String label() {
            return "kv_pool_local(s=" + cell + ",window=" + window + ")";
        }

        @Override
        public boolean mixesRegions(int[] regionIds, TokenGrid grid) {
            return cellsMix(regionIds, grid, cell) || cellsMix(regionIds, grid, window);
        }
    }

    record MeanV() implements TokenOperator {
        @Override
        public String label() {
            return "mean_v";
        }

        @Override
        public boolean mixesRegions(int[] regionIds, TokenGrid grid) {
            return cellsMix(regionIds, grid, Math.max(grid.height(), grid.width()));
        }
    }

    record Coarse(int cell) implements TokenOperator {
        @Override
        public String label() {
            return "coarse(s=" + cell + ")";
        }

        @Override
        public boolean mixesRegions(int[] regionIds, TokenGrid grid) {
            return cellsMix(regionIds, grid, cell);
        }
    }

    /** Whether some {@code side × side} tile of the grid holds more than one region id. */
    private static boolean cellsMix(int[] regionIds, TokenGrid grid, int side) {
        if (regionIds.length != grid.tokens()) {
            throw new IllegalArgumentException(regionIds.length + " region ids for a " + grid.height() + "×" + grid.width()
                    + " token grid");
        }
        int[] first = new int[grid.tiles(side)];
        java.util.Arrays.fill(first, -1);
        for (int t = 0; t < regionIds.length; t++) {
            int tile = grid.tileOf(t, side);
            if (first[tile] < 0) {
                first[tile] = regionIds[t];
            } else if (first[tile] != regionIds[t]) {
                return true;
            }
        }
        return false;
    }
}
