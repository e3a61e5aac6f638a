package dev.lumen.engine.text;

/**
 * Read-only view of a darts-clone double-array trie, the index format of SentencePiece's precompiled
 * character maps. Each 32-bit unit packs, from the low bits: an 8-bit label, a has-leaf flag (bit 8),
 * an offset to the children (bits 10-31, scaled by 256 when bit 9 is set); a leaf unit holds a 31-bit
 * value and has bit 31 set, so its label never equals a byte. The child reached by byte {@code b} from
 * a node at {@code p} lives at {@code p ^ offset ^ b}; a key's value sits in the leaf below its last node.
 */
final class DoubleArrayTrie {

    private final int[] units;
    private final String source;

    /**
     * @param units the trie units, already decoded from little-endian
     * @param source names the model file in error messages
     */
    DoubleArrayTrie(int[] units, String source) {
        this.units = units;
        this.source = source;
    }

    /** A match: the key's byte length and the value stored for it. */
    record Match(int length, int value) {}

    /**
     * The longest key that is a prefix of {@code key[from, to)}, or {@code null} when none is. This is the
     * longest of darts-clone's {@code commonPrefixSearch} results, which SentencePiece's normaliser uses.
     */
    Match longestPrefix(byte[] key, int from, int to) {
        Match best = null;
        int node = offset(unit(0));
        for (int i = from; i < to; i++) {
            int label = key[i] & 0xFF;
            node ^= label;
            int unit = unit(node);
            if (label(unit) != label) {
                break;
            }
            node ^= offset(unit);
            if (hasLeaf(unit)) {
                // Later matches are longer, so the last one found wins.
                best = new Match(i + 1 - from, value(unit(node)));
            }
        }
        return best;
    }

    private int unit(int index) {
        // A well-formed array never indexes outside itself; a corrupt one must not read garbage silently.
        if (index < 0 || index >= units.length) {
            throw new TokenizerException("corrupt precompiled_charsmap in " + source
                    + ": trie index " + index + " outside " + units.length + " units");
        }
        return units[index];
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFF_FFFF;
    }

    private static int label(int unit) {
        return unit & 0x8000_00FF;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}
