package dev.lumen.engine.ops;

/**
 * The preconditions of the index arguments of {@link Ops#gatherTokens}, {@link Ops#blendTokensInPlace}
 * and {@link Ops#rangedAttention}, checked on the host by every backend (a GPU kernel reading out
 * of range would not fail, it would read another tensor's memory).
 */
public final class IndexChecks {
    private IndexChecks() {
    }

    /** Every value is below {@code bound} (the token count the list indexes). */
    public static void requireBelow(int[] values, int bound, String op) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] >= bound) {
                throw new IllegalArgumentException(op + ": index " + values[i] + " at " + i + " is out of range for "
                        + bound + " tokens");
            }
        }
    }

    /** One non-empty {@code [start, end)} within {@code [0, sk)} per query: {@code 2·sq} values. */
    public static void requireKeyRanges(int[] ranges, int sq, int sk) {
        if (ranges.length != 2 * sq) {
            throw new IllegalArgumentException("rangedAttention: " + ranges.length + " key-range values for " + sq
                    + " queries (need 2 per query)");
        }
        for (int i = 0; i < sq; i++) {
            if (ranges[2 * i] >= ranges[2 * i + 1] || ranges[2 * i + 1] > sk) {
                throw new IllegalArgumentException("rangedAttention: query " + i + " has key range [" + ranges[2 * i]
                        + ", " + ranges[2 * i + 1] + "), which must be non-empty and within [0, " + sk + ")");
            }
        }
    }

    /** No negative values: what {@link Ops#indices} accepts. */
    public static void requireNonNegative(int[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0) {
                throw new IllegalArgumentException("indices: value " + values[i] + " at " + i + " is negative");
            }
        }
    }
}
