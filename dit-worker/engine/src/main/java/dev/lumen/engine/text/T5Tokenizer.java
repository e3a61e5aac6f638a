package dev.lumen.engine.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The T5 tokenizer as PixArt uses it: Hugging Face transformers' slow {@code T5Tokenizer} with
 * {@code legacy=True} and 100 sentinels, reproduced from {@code spiece.model} alone.
 *
 * <ul>
 *   <li>Vocabulary: the model's pieces, then the sentinels {@code <extra_id_k>} with id
 *       {@code pieceCount + 99 - k} (so {@code <extra_id_0>} is the last id).</li>
 *   <li>Literal special tokens in the text ({@code </s>}, {@code <pad>}, {@code <unk>},
 *       {@code <extra_id_k>}) are split out first and map straight to their ids, as transformers does
 *       with its added tokens; a sentinel also swallows the whitespace on both sides of it (its
 *       {@code lstrip}/{@code rstrip} flags), the other three do not. Every other stretch of text is
 *       encoded by SentencePiece on its own, so each gets its own dummy-prefix "▁".</li>
 *   <li>SentencePiece's pieces are turned into ids by their text, which sends a run of unknown
 *       characters to the {@code <unk>} id.</li>
 *   <li>{@link #encode(String, int)} is {@code tokenizer(text, padding="max_length", max_length=n,
 *       truncation=True)}: the first {@code n - 1} ids, then EOS unless the ids already end with it,
 *       then padding.</li>
 * </ul>
 *
 * Instances are immutable and safe to share between threads.
 */
public final class T5Tokenizer {

    /** The SentencePiece model's file name in a tokenizer folder. */
    public static final String MODEL_FILE = "spiece.model";
    /** Number of sentinel tokens transformers appends to T5's vocabulary. */
    public static final int EXTRA_IDS = 100;

    private static final String PAD = "<pad>";
    private static final String EOS = "</s>";
    private static final String UNK = "<unk>";

    /**
     * A literal token split out of the text before SentencePiece sees it. {@code lstrip}/{@code rstrip}:
     * it removes the whitespace to its left/right (transformers' AddedToken flags).
     */
    private record SpecialToken(String text, int id, boolean lstrip, boolean rstrip) {}

    private final SentencePieceProcessor sp;
    private final Map<String, SpecialToken> specials;
    private final int maxSpecialLength;
    private final int padId;
    private final int eosId;
    private final int unkId;

    private T5Tokenizer(SentencePieceProcessor sp, String source) {
        this.sp = sp;
        padId = requirePiece(sp, PAD, source);
        eosId = requirePiece(sp, EOS, source);
        unkId = requirePiece(sp, UNK, source);
        specials = new HashMap<>();
        // transformers registers pad/eos/unk as added tokens without stripping, and the sentinels with
        // lstrip=rstrip=True (T5Tokenizer.__init__; tokenizer_config.json repeats these flags).
        specials.put(PAD, new SpecialToken(PAD, padId, false, false));
        specials.put(EOS, new SpecialToken(EOS, eosId, false, false));
        specials.put(UNK, new SpecialToken(UNK, unkId, false, false));
        for (int k = 0; k < EXTRA_IDS; k++) {
            String s = sentinel(k);
            specials.put(s, new SpecialToken(s, sentinelId(k), true, true));
        }
        maxSpecialLength = specials.keySet().stream().mapToInt(String::length).max().orElse(0);
    }

    /**
     * Loads the tokenizer from a folder holding {@code spiece.model} (the pipeline's {@code tokenizer/}
     * folder). A pipeline root whose {@code tokenizer/} subfolder holds it, or the model file itself,
     * are accepted too.
     *
     * @throws TokenizerException naming the file when it is missing, corrupt or not a usable T5 model
     */
    public static T5Tokenizer load(Path tokenizerFolder) {
        Path file = tokenizerFolder.resolve(MODEL_FILE);
        if (Files.isRegularFile(tokenizerFolder)) {
            file = tokenizerFolder;
        } else if (!Files.exists(file)) {
            Path inPipeline = tokenizerFolder.resolve("tokenizer").resolve(MODEL_FILE);
            if (Files.isRegularFile(inPipeline)) {
                file = inPipeline;
            }
        }
        return new T5Tokenizer(SentencePieceProcessor.load(file), file.toString());
    }

    /**
     * Builds the tokenizer from a parsed SentencePiece model.
     *
     * @param source names the model in error messages
     */
    public static T5Tokenizer fromModel(SentencePieceModel model, String source) {
        return new T5Tokenizer(SentencePieceProcessor.of(model, source), source);
    }

    private static int requirePiece(SentencePieceProcessor sp, String piece, String source) {
        // transformers resolves these token strings through the vocabulary; a missing one would silently
        // become <unk> there, which no T5 model intends.
        int id = sp.pieceToId(piece);
        if (!sp.idToPiece(id).equals(piece)) {
            throw new TokenizerException("SentencePiece model " + source + " has no " + piece
                    + " piece, which a T5 tokenizer needs");
        }
        return id;
    }

    /** The underlying SentencePiece encoder. */
    public SentencePieceProcessor sentencePiece() {
        return sp;
    }

    /** Number of ids: the model's pieces plus the {@value #EXTRA_IDS} sentinels. */
    public int vocabSize() {
        return sp.pieceCount() + EXTRA_IDS;
    }

    /** Id of {@code <pad>}, used for padding. */
    public int padId() {
        return padId;
    }

    /** Id of {@code </s>}, appended to every sequence. */
    public int eosId() {
        return eosId;
    }

    /** Id of {@code <unk>}, the id of text the vocabulary cannot spell. */
    public int unkId() {
        return unkId;
    }

    /** The id of sentinel {@code <extra_id_k>}. */
    public int sentinelId(int k) {
        if (k < 0 || k >= EXTRA_IDS) {
            throw new IllegalArgumentException("sentinel index " + k + " outside 0.." + (EXTRA_IDS - 1));
        }
        return sp.pieceCount() + EXTRA_IDS - 1 - k;
    }

    /** The token with this id: a model piece or a sentinel. */
    public String idToPiece(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("id " + id + " outside the vocabulary 0.." + (vocabSize() - 1));
        }
        return id < sp.pieceCount() ? sp.idToPiece(id) : sentinel(sp.pieceCount() + EXTRA_IDS - 1 - id);
    }

    /** The id of a token, as transformers' {@code convert_tokens_to_ids}: special tokens, then the model. */
    public int pieceToId(String piece) {
        SpecialToken special = specials.get(piece);
        return special != null ? special.id() : sp.pieceToId(piece);
    }

    /**
     * The vocabulary pieces of {@link #encode(String)}, without EOS: what transformers'
     * {@code convert_ids_to_tokens} shows, so a run of unknown characters reads {@code <unk>}.
     */
    public List<String> pieces(String text) {
        return Arrays.stream(encode(text)).mapToObj(this::idToPiece).toList();
    }

    /** Token ids of the text, without EOS, untruncated. */
    public int[] encode(String text) {
        return tokenize(text).stream().mapToInt(this::pieceToId).toArray();
    }

    /**
     * Ids and mask padded or truncated to {@code maxLength}, as PixArt's pipelines call the tokenizer:
     * the first {@code maxLength - 1} ids, EOS, then {@code <pad>} up to {@code maxLength}; the mask is 1
     * on the ids and EOS.
     */
    public Encoding encode(String text, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1 (room for EOS), got " + maxLength);
        }
        int[] ids = encode(text);
        return pad(withEos(Arrays.copyOf(ids, Math.min(ids.length, maxLength - 1))), maxLength);
    }

    /** {@link #encode(String, int)} for each text. */
    public List<Encoding> encodeBatch(List<String> texts, int maxLength) {
        List<Encoding> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(encode(text, maxLength));
        }
        return out;
    }

    /** All ids of the text followed by EOS, no truncation or padding; the mask is all ones. */
    public Encoding encodeUnpadded(String text) {
        int[] ids = withEos(encode(text));
        return pad(ids, ids.length);
    }

    /**
     * {@link #encodeUnpadded} for each text, padded to the longest of them (transformers'
     * {@code padding="longest"} without truncation).
     */
    public List<Encoding> encodeBatchPadToLongest(List<String> texts) {
        List<int[]> all = new ArrayList<>(texts.size());
        int longest = 0;
        for (String text : texts) {
            int[] ids = withEos(encode(text));
            all.add(ids);
            longest = Math.max(longest, ids.length);
        }
        List<Encoding> out = new ArrayList<>(all.size());
        for (int[] ids : all) {
            out.add(pad(ids, longest));
        }
        return out;
    }

    /** transformers' T5 appends EOS unless the sequence already ends with it. */
    private int[] withEos(int[] ids) {
        if (ids.length > 0 && ids[ids.length - 1] == eosId) {
            return ids;
        }
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eosId;
        return out;
    }

    private Encoding pad(int[] ids, int length) {
        int[] padded = Arrays.copyOf(ids, length);
        int[] mask = new int[length];
        Arrays.fill(padded, ids.length, length, padId);
        Arrays.fill(mask, 0, ids.length, 1);
        return new Encoding(padded, mask);
    }

    /**
     * transformers' {@code PreTrainedTokenizer.tokenize} for T5 with legacy=True: special tokens split out
     * and stripped around as their flags say, the remaining non-empty stretches encoded by SentencePiece.
     */
    List<String> tokenize(String text) {
        requireWellFormed(text);
        List<String> chunks = new ArrayList<>();
        List<SpecialToken> kinds = new ArrayList<>(); // null for plain text
        splitOnSpecials(text, chunks, kinds);
        // Same order of effects as transformers: walking left to right, a token with rstrip strips the
        // start of the text after it, one with lstrip the end of the text before it.
        for (int i = 0; i < chunks.size(); i++) {
            SpecialToken special = kinds.get(i);
            if (special == null) {
                continue;
            }
            if (special.rstrip() && i + 1 < chunks.size() && kinds.get(i + 1) == null) {
                chunks.set(i + 1, stripLeading(chunks.get(i + 1)));
            }
            if (special.lstrip() && i > 0 && kinds.get(i - 1) == null) {
                chunks.set(i - 1, stripTrailing(chunks.get(i - 1)));
            }
        }
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            String chunk = chunks.get(i);
            if (chunk.isEmpty()) {
                continue;
            }
            if (kinds.get(i) != null) {
                tokens.add(chunk);
            } else {
                tokens.addAll(sp.encodeAsPieces(chunk));
            }
        }
        return tokens;
    }

    /**
     * Splits at every literal special token, leftmost first. Each special token is "<", then no "<" or
     * ">", then ">", so occurrences never overlap and one starting at a "<" must end at the next ">".
     */
    private void splitOnSpecials(String text, List<String> chunks, List<SpecialToken> kinds) {
        int plainStart = 0;
        int open = text.indexOf('<');
        while (open >= 0) {
            int close = text.indexOf('>', open + 1);
            if (close < 0) {
                break;
            }
            SpecialToken special = close - open + 1 <= maxSpecialLength
                    ? specials.get(text.substring(open, close + 1)) : null;
            if (special == null) {
                open = text.indexOf('<', open + 1);
                continue;
            }
            if (open > plainStart) {
                chunks.add(text.substring(plainStart, open));
                kinds.add(null);
            }
            chunks.add(special.text());
            kinds.add(special);
            plainStart = close + 1;
            open = text.indexOf('<', plainStart);
        }
        if (plainStart < text.length()) {
            chunks.add(text.substring(plainStart));
            kinds.add(null);
        }
    }

    // Python's str.lstrip()/rstrip() strip what str.isspace() accepts, which is Java's
    // Character.isWhitespace plus U+0085 and the no-break spaces U+00A0, U+2007 and U+202F.
    static boolean isPythonWhitespace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && isPythonWhitespace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int end = s.length();
        while (end > 0 && isPythonWhitespace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }

    /** An unpaired surrogate has no UTF-8 form; Python would fail to encode it too, rather than guess. */
    private static void requireWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("text has an unpaired surrogate U+"
                        + Integer.toHexString(c).toUpperCase(Locale.ROOT) + " at index " + i);
            }
        }
    }

    private static String sentinel(int k) {
        return "<extra_id_" + k + ">";
    }
}
