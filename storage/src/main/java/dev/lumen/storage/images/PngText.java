package dev.lumen.storage.images;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Text chunks in PNG files (PNG specification, 3rd edition, §11.3.3): writing key/value pairs into an
 * existing PNG and reading them back. A value that Latin-1 can hold becomes a {@code tEXt} chunk,
 * which every viewer shows; any other value (a prompt in Japanese, an emoji) becomes an uncompressed
 * {@code iTXt} chunk in UTF-8. New chunks go just before {@code IEND}, and chunks already carrying
 * one of the keywords are dropped, so annotating an image twice leaves one value per keyword.
 * Pixel data is never touched. The chunks are written by hand, because {@code javax.imageio}'s PNG
 * writer would re-encode the image to add them.
 */
public final class PngText {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int MAX_KEYWORD = 79;

    private PngText() {
    }

    /**
     * A copy of {@code png} carrying {@code entries} as text chunks.
     *
     * @param entries keyword → text; keywords are 1-79 printable Latin-1 characters without leading,
     *                trailing or double spaces (the PNG rule)
     * @throws InvalidPngException if {@code png} is not a well-formed PNG
     */
    public static byte[] write(byte[] png, Map<String, String> entries) {
        entries.forEach((keyword, text) -> {
            requireKeyword(keyword);
            if (text == null) {
                throw new IllegalArgumentException("PNG text for keyword '" + keyword + "' is null");
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + 64 * entries.size() + 256);
        out.writeBytes(SIGNATURE);
        boolean ended = false;
        for (Chunk chunk : chunks(png)) {
            if (chunk.isText() && entries.containsKey(chunk.keyword())) {
                continue;
            }
            if (chunk.type().equals("IEND")) {
                entries.forEach((keyword, text) -> out.writeBytes(textChunk(keyword, text)));
                ended = true;
            }
            out.write(png, chunk.offset(), chunk.totalLength());
        }
        if (!ended) {
            throw new InvalidPngException("PNG has no IEND chunk");
        }
        return out.toByteArray();
    }

    /**
     * The text of every {@code tEXt}, {@code zTXt} and {@code iTXt} chunk, by keyword, in file order
     * (a later chunk with the same keyword wins).
     *
     * @throws InvalidPngException if {@code png} is not a well-formed PNG or a text chunk is malformed
     */
    public static Map<String, String> read(byte[] png) {
        Map<String, String> text = new LinkedHashMap<>();
        for (Chunk chunk : chunks(png)) {
            if (chunk.isText()) {
                text.put(chunk.keyword(), chunk.text());
            }
        }
        return text;
    }

    private static void requireKeyword(String keyword) {
        if (keyword == null || keyword.isEmpty() || keyword.length() > MAX_KEYWORD
                || keyword.startsWith(" ") || keyword.endsWith(" ") || keyword.contains("  ")
                || !keyword.chars().allMatch(c -> (c >= 0x20 && c <= 0x7e) || (c >= 0xa1 && c <= 0xff))) {
            throw new IllegalArgumentException("PNG keyword must be 1-79 printable Latin-1 characters without"
                    + " leading, trailing or double spaces: '" + keyword + "'");
        }
    }

    private static byte[] textChunk(String keyword, String text) {
        byte[] key = keyword.getBytes(StandardCharsets.ISO_8859_1);
        CharsetEncoder latin1 = StandardCharsets.ISO_8859_1.newEncoder();
        // tEXt text must also be free of NUL and should use LF line ends only; control characters
        // other than LF are "discouraged", so such text goes to iTXt, which has no such advice.
        boolean plain = latin1.canEncode(text) && text.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c != 0x7f));
        ByteArrayOutputStream data = new ByteArrayOutputStream(key.length + text.length() + 8);
        data.writeBytes(key);
        data.write(0);
        if (plain) {
            data.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            return chunkBytes("tEXt", data.toByteArray());
        }
        data.write(0); // compression flag: uncompressed
        data.write(0); // compression method
        data.write(0); // empty language tag
        data.write(0); // empty translated keyword
        data.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return chunkBytes("iTXt", data.toByteArray());
    }

    private static byte[] chunkBytes(String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length)
                .putInt(data.length)
                .put(typeBytes)
                .put(data)
                .putInt((int) crc.getValue())
                .array();
    }

    /** Splits a PNG into its chunks, checking the signature, lengths and CRCs. */
    private static List<Chunk> chunks(byte[] png) {
        if (png.length < SIGNATURE.length || !Arrays.equals(png, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new InvalidPngException("not a PNG: the 8-byte signature is missing");
        }
        List<Chunk> chunks = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(png);
        int offset = SIGNATURE.length;
        while (offset < png.length) {
            if (png.length - offset < 12) {
                throw new InvalidPngException("PNG truncated: chunk header at byte " + offset + " is incomplete");
            }
            long length = Integer.toUnsignedLong(buffer.getInt(offset));
            if (length > png.length - offset - 12) {
                throw new InvalidPngException("PNG truncated: chunk at byte " + offset + " declares " + length
                        + " bytes of data, only " + (png.length - offset - 12) + " follow");
            }
            String type = new String(png, offset + 4, 4, StandardCharsets.ISO_8859_1);
            CRC32 crc = new CRC32();
            crc.update(png, offset + 4, 4 + (int) length);
            int stored = buffer.getInt(offset + 8 + (int) length);
            if ((int) crc.getValue() != stored) {
                throw new InvalidPngException("PNG chunk " + type + " at byte " + offset + " has a bad CRC");
            }
            chunks.add(new Chunk(png, offset, type, (int) length));
            offset += 12 + (int) length;
            if (type.equals("IEND")) {
                break;
            }
        }
        if (chunks.isEmpty() || !chunks.getFirst().type().equals("IHDR")) {
            throw new InvalidPngException("PNG does not start with an IHDR chunk");
        }
        return chunks;
    }

    /** One chunk of a PNG held in {@code png}: {@code length} data bytes after an 8-byte header at {@code offset}. */
    private record Chunk(byte[] png, int offset, String type, int length) {
        int totalLength() {
            return 12 + length;
        }

        boolean isText() {
            return type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt");
        }

        private int dataStart() {
            return offset + 8;
        }

        private int keywordEnd() {
            for (int i = dataStart(); i < dataStart() + length; i++) {
                if (png[i] == 0) {
                    return i;
                }
            }
            throw new InvalidPngException(type + " chunk at byte " + offset + " has no keyword terminator");
        }

        String keyword() {
            return new String(png, dataStart(), keywordEnd() - dataStart(), StandardCharsets.ISO_8859_1);
        }

        String text() {
            int end = dataStart() + length;
            int p = keywordEnd() + 1;
            return switch (type) {
                case "tEXt" -> new String(png, p, end - p, StandardCharsets.ISO_8859_1);
                case "zTXt" -> new String(inflate(p + 1, end), StandardCharsets.ISO_8859_1);
                case "iTXt" -> {
                    if (end - p < 2) {
                        throw new InvalidPngException("iTXt chunk at byte " + offset + " is truncated");
                    }
                    boolean compressed = png[p] != 0;
                    p = skipNulTerminated(skipNulTerminated(p + 2, end), end); // language tag, translated keyword
                    yield new String(compressed ? inflate(p, end) : Arrays.copyOfRange(png, p, end), StandardCharsets.UTF_8);
                }
                default -> throw new IllegalStateException("not a text chunk: " + type);
            };
        }

        private int skipNulTerminated(int from, int end) {
            for (int i = from; i < end; i++) {
                if (png[i] == 0) {
                    return i + 1;
                }
            }
            throw new InvalidPngException(type + " chunk at byte " + offset + " is missing a NUL separator");
        }

        private byte[] inflate(int from, int end) {
            Inflater inflater = new Inflater();
            try {
                inflater.setInput(png, from, end - from);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buffer = new byte[4096];
                while (!inflater.finished()) {
                    int n = inflater.inflate(buffer);
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw new InvalidPngException(type + " chunk at byte " + offset + " has truncated compressed text");
                    }
                    out.write(buffer, 0, n);
                }
                return out.toByteArray();
            } catch (DataFormatException e) {
                throw new InvalidPngException(type + " chunk at byte " + offset + " has corrupt compressed text: " + e.getMessage());
            } finally {
                inflater.end();
            }
        }
    }
}
