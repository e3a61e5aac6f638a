package dev.lumen.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A SentencePiece unigram encoder built from a model proto alone: normalisation
 * ({@link SentencePieceNormalizer}) then Viterbi segmentation, producing the same pieces as
 * {@code SentencePieceProcessor.encode(text, out_type=str)} of SentencePiece 0.1.x.
 *
 * <p>As SentencePiece reports them, pieces are normalised text: a run of consecutive unknown
 * characters comes back as one piece holding those characters (not {@code "<unk>"}), and with
 * {@code byte_fallback} each unknown character is spelled as its UTF-8 byte pieces {@code <0xXX>}.
 * Only unigram models are supported.
 */
public final class SentencePieceProcessor {

    /** One piece of an encoding: its text and its id. */
    public record Token(String piece, int id) {}

    private final SentencePieceModel model;
    private final String[] pieceStrings;
    private final Map<String, Integer> reserved;  // CONTROL, UNKNOWN and BYTE pieces
    private final ByteTrie pieceTrie;             // NORMAL, USER_DEFINED and UNUSED pieces
    private final SentencePieceNormalizer normalizer;
    private final UnigramModel unigram;
    private final int unkId;
    private final boolean byteFallback;

    private SentencePieceProcessor(SentencePieceModel model, String source) {
        this.model = model;
        List<SentencePieceModel.Piece> pieces = model.pieces();
        SentencePieceModel.TrainerSpec trainer = model.trainerSpec();
        if (trainer.modelType() != SentencePieceModel.ModelType.UNIGRAM) {
            throw new TokenizerException("unsupported SentencePiece model type " + trainer.modelType()
                    + " in " + source + ": only UNIGRAM models are implemented");
        }
        if (pieces.isEmpty()) {
            throw new TokenizerException("SentencePiece model " + source + " has no pieces");
        }
        // The same consistency rules SentencePiece applies when it loads a model.
        pieceStrings = new String[pieces.size()];
        reserved = new HashMap<>();
        Map<String, Integer> normal = new HashMap<>();
        List<Map.Entry<byte[], Integer>> trieEntries = new ArrayList<>();
        List<Map.Entry<byte[], Integer>> userDefinedEntries = new ArrayList<>();
        boolean[] byteSeen = new boolean[256];
        int unk = -1;
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            String text = p.piece();
            if (text.isEmpty()) {
                throw new TokenizerException("SentencePiece model " + source + ": piece " + id + " is empty");
            }
            pieceStrings[id] = text;
            boolean isNormal = switch (p.type()) {
                case NORMAL, USER_DEFINED, UNUSED -> true;
                case UNKNOWN, CONTROL, BYTE -> false;
            };
            Map<String, Integer> target = isNormal ? normal : reserved;
            if (target.putIfAbsent(text, id) != null) {
                throw new TokenizerException("SentencePiece model " + source + ": piece \"" + text
                        + "\" is defined twice (ids " + target.get(text) + " and " + id + ")");
            }
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            if (isNormal) {
                trieEntries.add(new AbstractMap.SimpleImmutableEntry<>(utf8, id));
            }
            switch (p.type()) {
                case USER_DEFINED -> userDefinedEntries.add(new AbstractMap.SimpleImmutableEntry<>(utf8, id));
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new TokenizerException("SentencePiece model " + source
                                + " defines more than one unknown piece (ids " + unk + " and " + id + ")");
                    }
                    unk = id;
                }
                case BYTE -> {
                    if (!trainer.byteFallback()) {
                        throw new TokenizerException("SentencePiece model " + source + ": byte piece " + text
                                + " although byte_fallback is false");
                    }
                    int b = byteOfPiece(text);
                    if (b < 0) {
                        throw new TokenizerException("SentencePiece model " + source + ": invalid byte piece " + text);
                    }
                    byteSeen[b] = true;
                }
                default -> { }
            }
        }
        if (unk < 0) {
            throw new TokenizerException("SentencePiece model " + source + " has no unknown piece");
        }
        if (trainer.byteFallback()) {
            for (int b = 0; b < 256; b++) {
                if (!byteSeen[b]) {
                    throw new TokenizerException("SentencePiece model " + source
                            + " has byte_fallback but no piece " + pieceOfByte(b));
                }
            }
        }
        unkId = unk;
        byteFallback = trainer.byteFallback();
        pieceTrie = ByteTrie.build(trieEntries);
        normalizer = new SentencePieceNormalizer(model.normalizerSpec(), trainer.treatWhitespaceAsSuffix(),
                userDefinedEntries.isEmpty() ? null : ByteTrie.build(userDefinedEntries), source);
        unigram = new UnigramModel(pieces, pieceTrie, unkId);
    }

    /**
     * Loads a model file.
     *
     * @throws TokenizerException naming the file when it is missing, not a model proto, or unsupported
     */
    public static SentencePieceProcessor load(Path modelFile) {
        return of(SentencePieceModel.read(modelFile), modelFile.toString());
    }

    /**
     * Builds the encoder for a parsed model.
     *
     * @param source names the model in error messages
     * @throws TokenizerException naming {@code source} when the model is inconsistent or unsupported
     */
    public static SentencePieceProcessor of(SentencePieceModel model, String source) {
        return new SentencePieceProcessor(model, source);
    }

    /** The model this encoder was built from. */
    public SentencePieceModel model() {
        return model;
    }

    /** The normaliser in use. */
    public SentencePieceNormalizer normalizer() {
        return normalizer;
    }

    /** Number of pieces in the model (ids are {@code 0 .. pieceCount() - 1}). */
    public int pieceCount() {
        return pieceStrings.length;
    }

    /** Id of the unknown piece. */
    public int unkId() {
        return unkId;
    }

    /** The piece with this id. */
    public String idToPiece(int id) {
        return pieceStrings[id];
    }

    /**
     * The id of a piece string, as SentencePiece's {@code PieceToId}: control, unknown and byte pieces
     * first, then the other pieces; anything else is the unknown id.
     */
    public int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id != null) {
            return id;
        }
        int v = pieceTrie.get(piece.getBytes(StandardCharsets.UTF_8));
        return v == ByteTrie.NONE ? unkId : v;
    }

    /** Pieces with their ids, as SentencePiece encodes the text. */
    public List<Token> encode(String text) {
        byte[] normalized = normalizer.normalize(text.getBytes(StandardCharsets.UTF_8));
        List<Token> out = new ArrayList<>();
        ByteArrayOutputStream unknownRun = null; // the merged run of unknown characters being built
        for (UnigramModel.Segment s : unigram.encode(normalized)) {
            boolean isUnknown = s.id() == unkId;
            if (isUnknown && byteFallback) {
                flush(unknownRun, out);
                unknownRun = null;
                for (int i = s.start(); i < s.end(); i++) {
                    String piece = pieceOfByte(normalized[i] & 0xFF);
                    out.add(new Token(piece, pieceToId(piece)));
                }
            } else if (isUnknown) {
                // SentencePiece merges consecutive unknown pieces into one, so a decoder can copy the run.
                if (unknownRun == null) {
                    unknownRun = new ByteArrayOutputStream();
                }
                unknownRun.write(normalized, s.start(), s.end() - s.start());
            } else {
                flush(unknownRun, out);
                unknownRun = null;
                out.add(new Token(pieceStrings[s.id()], s.id()));
            }
        }
        flush(unknownRun, out);
        return out;
    }

    /** The pieces of {@link #encode}. */
    public List<String> encodeAsPieces(String text) {
        return encode(text).stream().map(Token::piece).toList();
    }

    /** The ids of {@link #encode}. */
    public int[] encodeAsIds(String text) {
        return encode(text).stream().mapToInt(Token::id).toArray();
    }

    private void flush(ByteArrayOutputStream unknownRun, List<Token> out) {
        if (unknownRun != null) {
            out.add(new Token(unknownRun.toString(StandardCharsets.UTF_8), unkId));
        }
    }

    private static String pieceOfByte(int b) {
        return String.format(Locale.ROOT, "<0x%02X>", b);
    }

    /** The byte a {@code <0xXX>} piece stands for, or -1 when the piece is not of that form. */
    private static int byteOfPiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int b;
        try {
            b = Integer.parseInt(piece.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
        // SentencePiece knows exactly the 256 spellings it writes itself (upper-case hex).
        return piece.equals(pieceOfByte(b)) ? b : -1;
    }
}
