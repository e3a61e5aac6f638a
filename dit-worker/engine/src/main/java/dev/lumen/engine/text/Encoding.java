package dev.lumen.engine.text;

import java.util.Arrays;

/**
 * Token ids for one text and the matching attention mask (1 = real token, EOS included; 0 = padding),
 * as a T5 encoder receives them. The arrays are copied in and out, so an encoding is a value.
 *
 * @param ids token ids, EOS and padding included
 * @param attentionMask one entry per id
 */
public record Encoding(int[] ids, int[] attentionMask) {

    public Encoding {
        if (ids.length != attentionMask.length) {
            throw new IllegalArgumentException("ids has " + ids.length + " entries but attentionMask "
                    + attentionMask.length);
        }
        ids = ids.clone();
        attentionMask = attentionMask.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public int[] attentionMask() {
        return attentionMask.clone();
    }

    /** Number of positions, padding included. */
    public int length() {
        return ids.length;
    }

    /** Number of positions the mask keeps (pieces plus EOS). */
    public int tokenCount() {
        int n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(attentionMask, e.attentionMask);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(attentionMask);
    }

    @Override
    public String toString() {
        return "Encoding[ids=" + Arrays.toString(ids) + ", attentionMask=" + Arrays.toString(attentionMask) + "]";
    }
}
