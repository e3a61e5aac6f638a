package dev.lumen.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece's text normaliser, as {@code normalizer.cc} of SentencePiece 0.1.x applies a
 * {@code NormalizerSpec}, working on UTF-8 bytes like the original:
 *
 * <ol>
 *   <li>the input is consumed prefix by prefix: a user-defined piece is copied as is; otherwise the
 *       longest key of the precompiled character map that prefixes the input is replaced by its
 *       normalised string (e.g. NFKC: full-width letters, "…" → "..."); otherwise one character is
 *       copied (a malformed byte becomes U+FFFD);</li>
 *   <li>with {@code remove_extra_whitespaces}, leading prefixes that normalise to exactly one space are
 *       dropped, leading spaces of a replacement are dropped while the output so far ends with a space
 *       (so runs collapse to one space, including spaces produced by the map), and trailing spaces are
 *       removed at the end;</li>
 *   <li>{@code add_dummy_prefix} puts one space first (last when the trainer treats whitespace as a
 *       suffix), and {@code escape_whitespaces} writes every space as U+2581 "▁".</li>
 * </ol>
 *
 * Only the ASCII space counts as whitespace in these rules; other spaces are whatever the character map
 * turns them into.
 */
public final class SentencePieceNormalizer {

    private static final byte[] SPACE_SYMBOL = "\u2581".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SPACE = {' '};
    private static final byte[] REPLACEMENT_CHAR = "\uFFFD".getBytes(StandardCharsets.UTF_8);

    private final DoubleArrayTrie charsmap; // null: no character map, characters are copied
    private final byte[] pool;              // NUL-terminated normalised strings the trie values point into
    private final ByteTrie userDefined;     // null when the model has no user-defined pieces
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;
    private final String source;

    /**
     * @param spec the model's normaliser settings
     * @param treatWhitespaceAsSuffix the trainer setting that moves the dummy space to the end
     * @param userDefined the user-defined pieces (never normalised), or {@code null} for none
     * @param source names the model file in error messages
     * @throws TokenizerException naming {@code source} when the precompiled character map is malformed
     */
    SentencePieceNormalizer(SentencePieceModel.NormalizerSpec spec, boolean treatWhitespaceAsSuffix,
                            ByteTrie userDefined, String source) {
        this.source = source;
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
        this.userDefined = userDefined;
        byte[] blob = spec.precompiledCharsmap();
        if (blob.length == 0) {
            charsmap = null;
            pool = new byte[0];
        } else {
            // Layout: <uint32 LE: trie size in bytes><trie units, uint32 LE each><normalised strings>.
            ByteBuffer buf = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
            long trieBytes = blob.length > 4 ? Integer.toUnsignedLong(buf.getInt(0)) : -1;
            if (trieBytes < 0 || trieBytes > blob.length - 4L || trieBytes % 4 != 0) {
                throw new TokenizerException("corrupt precompiled_charsmap in " + source + ": "
                        + blob.length + " bytes, trie size field " + trieBytes);
            }
            int[] units = new int[(int) (trieBytes / 4)];
            buf.position(4);
            buf.asIntBuffer().get(units);
            charsmap = new DoubleArrayTrie(units, source);
            int poolStart = 4 + (int) trieBytes;
            pool = Arrays.copyOfRange(blob, poolStart, blob.length);
        }
    }

    /** Normalises text as SentencePiece does before segmentation; spaces come out as "▁" when escaped. */
    public String normalize(String text) {
        return new String(normalize(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** Normalises UTF-8 bytes; the result is UTF-8. */
    byte[] normalize(byte[] input) {
        int pos = 0;
        int end = input.length;
        if (removeExtraWhitespaces) {
            // Leading input that normalises to exactly one space is dropped before anything is written.
            while (pos < end) {
                Replacement r = normalizePrefix(input, pos, end);
                if (!r.isSingleSpace()) {
                    break;
                }
                pos += r.consumed();
            }
        }
        if (pos == end) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end * 3);
        if (addDummyPrefix && !treatWhitespaceAsSuffix) {
            writeSpace(out);
        }
        // "Previous output ends with a space": starting true drops spaces right after the dummy prefix.
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < end) {
            Replacement r = normalizePrefix(input, pos, end);
            int from = r.offset();
            int to = r.offset() + r.length();
            if (prevSpace) {
                while (from < to && r.bytes()[from] == ' ') {
                    from++;
                }
            }
            if (from < to) {
                for (int i = from; i < to; i++) {
                    byte b = r.bytes()[i];
                    if (b == ' ' && escapeWhitespaces) {
                        out.writeBytes(SPACE_SYMBOL);
                    } else {
                        out.write(b);
                    }
                }
                prevSpace = r.bytes()[to - 1] == ' ';
            }
            pos += r.consumed();
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        byte[] result = out.toByteArray();
        int length = result.length;
        if (removeExtraWhitespaces) {
            byte[] space = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
            while (endsWith(result, length, space)) {
                length -= space.length;
            }
        }
        ByteArrayOutputStream tail = new ByteArrayOutputStream(length + 3);
        tail.write(result, 0, length);
        if (addDummyPrefix && treatWhitespaceAsSuffix) {
            writeSpace(tail);
        }
        return tail.toByteArray();
    }

    private void writeSpace(ByteArrayOutputStream out) {
        out.writeBytes(escapeWhitespaces ? SPACE_SYMBOL : SPACE);
    }

    private static boolean endsWith(byte[] data, int length, byte[] suffix) {
        if (length < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (data[length - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a prefix of the input normalises to: {@code bytes[offset, offset + length)}, consuming
     * {@code consumed} input bytes.
     */
    private record Replacement(byte[] bytes, int offset, int length, int consumed) {
        boolean isSingleSpace() {
            return length == 1 && bytes[offset] == ' ';
        }
    }

    private Replacement normalizePrefix(byte[] input, int pos, int end) {
        if (userDefined != null) {
            int n = userDefined.longestPrefix(input, pos, end);
            if (n > 0) {
                return new Replacement(input, pos, n, n);
            }
        }
        DoubleArrayTrie.Match m = charsmap == null ? null : charsmap.longestPrefix(input, pos, end);
        if (m != null) {
            // The pool strings are NUL-terminated; the value is the start offset in the pool.
            int start = m.value();
            if (start > pool.length) {
                throw new TokenizerException("corrupt precompiled_charsmap in " + source
                        + ": normalised string offset " + start + " outside the " + pool.length + "-byte pool");
            }
            int stop = start;
            while (stop < pool.length && pool[stop] != 0) {
                stop++;
            }
            return new Replacement(pool, start, stop - start, m.length());
        }
        int n = validCharLength(input, pos, end);
        if (n == 0) {
            // Malformed UTF-8: SentencePiece emits U+FFFD and consumes a single byte.
            return new Replacement(REPLACEMENT_CHAR, 0, REPLACEMENT_CHAR.length, 1);
        }
        return new Replacement(input, pos, n, n);
    }

    /** Byte length of the well-formed UTF-8 character at {@code pos}, or 0 when it is malformed. */
    private static int validCharLength(byte[] s, int pos, int end) {
        int b0 = s[pos] & 0xFF;
        int left = end - pos;
        if (b0 < 0x80) {
            return 1;
        }
        int len;
        int cp;
        if ((b0 & 0xE0) == 0xC0) {
            len = 2;
            cp = b0 & 0x1F;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3;
            cp = b0 & 0x0F;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4;
            cp = b0 & 0x07;
        } else {
            return 0;
        }
        if (left < len) {
            return 0;
        }
        for (int i = 1; i < len; i++) {
            int b = s[pos + i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        int min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        boolean valid = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        return valid ? len : 0;
    }
}
