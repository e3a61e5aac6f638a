package dev.lumen.engine.text;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} (a {@code *.model} / {@code spiece.model} file) that
 * encoding needs, read field by field from the protobuf wire format (field numbers as in
 * {@code sentencepiece_model.proto}); everything else in the file is skipped.
 *
 * <p>Fields absent from the file take the proto2 defaults of that schema, which SentencePiece relies on
 * (a T5 model, for instance, never stores {@code escape_whitespaces}, so it is {@code true}).
 *
 * @param pieces the vocabulary; a piece's id is its index
 * @param trainerSpec the trainer settings that matter when encoding
 * @param normalizerSpec the normalisation rules
 */
public record SentencePieceModel(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /** {@code ModelProto.SentencePiece.Type}. */
    public enum PieceType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        private final int number;

        PieceType(int number) {
            this.number = number;
        }

        /** The enum number in the proto. */
        public int number() {
            return number;
        }

        /** The enum number in the proto, or {@code null} when the number is not part of the schema. */
        static PieceType ofNumber(int number) {
            for (PieceType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@code TrainerSpec.ModelType}. */
    public enum ModelType {
        UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

        private final int number;

        ModelType(int number) {
            this.number = number;
        }

        /** The enum number in the proto. */
        public int number() {
            return number;
        }

        static ModelType ofNumber(int number) {
            for (ModelType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /** One vocabulary entry ({@code ModelProto.SentencePiece}). */
    public record Piece(String piece, float score, PieceType type) {}

    /**
     * The {@code TrainerSpec} fields that affect encoding. Ids are the trainer's record of the special
     * pieces (-1 = none); the vocabulary's piece types are what encoding actually uses.
     */
    public record TrainerSpec(ModelType modelType, int unkId, int bosId, int eosId, int padId,
                              boolean byteFallback, boolean treatWhitespaceAsSuffix) {
        /** The schema's defaults, i.e. what an absent {@code trainer_spec} means. */
        public static final TrainerSpec DEFAULTS = new TrainerSpec(ModelType.UNIGRAM, 0, 1, 2, -1, false, false);
    }

    /**
     * {@code NormalizerSpec}. An empty {@code precompiledCharsmap} means no character mapping (identity).
     * The array is copied in and out, so the record stays a value.
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
        /** The schema's defaults, i.e. what an absent {@code normalizer_spec} means. */
        public static final NormalizerSpec DEFAULTS = new NormalizerSpec("", new byte[0], true, true, true);

        public NormalizerSpec {
            precompiledCharsmap = precompiledCharsmap.clone();
        }

        @Override
        public byte[] precompiledCharsmap() {
            return precompiledCharsmap.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NormalizerSpec n && name.equals(n.name)
                    && Arrays.equals(precompiledCharsmap, n.precompiledCharsmap)
                    && addDummyPrefix == n.addDummyPrefix && removeExtraWhitespaces == n.removeExtraWhitespaces
                    && escapeWhitespaces == n.escapeWhitespaces;
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(precompiledCharsmap);
        }

        @Override
        public String toString() {
            return "NormalizerSpec[name=" + name + ", precompiledCharsmap=" + precompiledCharsmap.length
                    + " bytes, addDummyPrefix=" + addDummyPrefix + ", removeExtraWhitespaces="
                    + removeExtraWhitespaces + ", escapeWhitespaces=" + escapeWhitespaces + "]";
        }
    }

    // Field numbers from sentencepiece_model.proto.
    private static final int MODEL_PIECES = 1, MODEL_TRAINER_SPEC = 2, MODEL_NORMALIZER_SPEC = 3;
    private static final int PIECE_PIECE = 1, PIECE_SCORE = 2, PIECE_TYPE = 3;
    private static final int TRAINER_MODEL_TYPE = 3, TRAINER_TREAT_WS_AS_SUFFIX = 24, TRAINER_BYTE_FALLBACK = 35,
            TRAINER_UNK_ID = 40, TRAINER_BOS_ID = 41, TRAINER_EOS_ID = 42, TRAINER_PAD_ID = 43;
    private static final int NORM_NAME = 1, NORM_CHARSMAP = 2, NORM_ADD_DUMMY_PREFIX = 3,
            NORM_REMOVE_EXTRA_WS = 4, NORM_ESCAPE_WS = 5;

    /**
     * Reads and parses a model file.
     *
     * @throws TokenizerException naming the file when it is missing, unreadable or not a valid model proto
     */
    public static SentencePieceModel read(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException("SentencePiece model not found: " + file, e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
        }
        return parse(data, file.toString());
    }

    /**
     * Parses a serialized {@code ModelProto}.
     *
     * @param source names the data in error messages (usually the file path)
     * @throws TokenizerException naming {@code source} when the bytes are not a valid protobuf message
     */
    public static SentencePieceModel parse(byte[] data, String source) {
        try {
            List<Piece> pieces = new ArrayList<>();
            // A message field that occurs more than once is merged by protobuf; parsing the concatenation of
            // the occurrences' bytes is exactly that merge, so collect them and parse once.
            ByteArrayOutputStream trainer = new ByteArrayOutputStream();
            ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
            CodedInputStream in = CodedInputStream.newInstance(data);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (!isLengthDelimited(tag)) {
                    in.skipField(tag);
                } else if (field == MODEL_PIECES) {
                    pieces.add(parsePiece(in.readByteArray()));
                } else if (field == MODEL_TRAINER_SPEC) {
                    trainer.writeBytes(in.readByteArray());
                } else if (field == MODEL_NORMALIZER_SPEC) {
                    normalizer.writeBytes(in.readByteArray());
                } else {
                    in.skipField(tag);
                }
            }
            return new SentencePieceModel(pieces, parseTrainerSpec(trainer.toByteArray()),
                    parseNormalizerSpec(normalizer.toByteArray()));
        } catch (IOException e) {
            // CodedInputStream reports malformed and truncated input as InvalidProtocolBufferException.
            throw new TokenizerException("not a valid SentencePiece model proto: " + source + " ("
                    + e.getMessage() + ")", e);
        }
    }

    private static Piece parsePiece(byte[] bytes) throws IOException {
        String piece = "";
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case PIECE_PIECE -> {
                    if (isLengthDelimited(tag)) {
                        piece = new String(in.readByteArray(), StandardCharsets.UTF_8);
                    } else {
                        in.skipField(tag);
                    }
                }
                case PIECE_SCORE -> {
                    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_FIXED32) {
                        score = in.readFloat();
                    } else {
                        in.skipField(tag);
                    }
                }
                case PIECE_TYPE -> {
                    if (isVarint(tag)) {
                        // proto2 keeps an enum number outside the schema as an unknown field, so the
                        // field reads as its default (NORMAL); SentencePiece sees the same.
                        PieceType t = PieceType.ofNumber(in.readEnum());
                        if (t != null) {
                            type = t;
                        }
                    } else {
                        in.skipField(tag);
                    }
                }
                default -> in.skipField(tag);
            }
        }
        return new Piece(piece, score, type);
    }

    private static TrainerSpec parseTrainerSpec(byte[] bytes) throws IOException {
        TrainerSpec d = TrainerSpec.DEFAULTS;
        ModelType modelType = d.modelType();
        int unkId = d.unkId(), bosId = d.bosId(), eosId = d.eosId(), padId = d.padId();
        boolean byteFallback = d.byteFallback(), wsSuffix = d.treatWhitespaceAsSuffix();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (!isVarint(tag)) {
                in.skipField(tag);
                continue;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case TRAINER_MODEL_TYPE -> {
                    ModelType t = ModelType.ofNumber(in.readEnum());
                    if (t != null) {
                        modelType = t;
                    }
                }
                case TRAINER_TREAT_WS_AS_SUFFIX -> wsSuffix = in.readBool();
                case TRAINER_BYTE_FALLBACK -> byteFallback = in.readBool();
                case TRAINER_UNK_ID -> unkId = in.readInt32();
                case TRAINER_BOS_ID -> bosId = in.readInt32();
                case TRAINER_EOS_ID -> eosId = in.readInt32();
                case TRAINER_PAD_ID -> padId = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        return new TrainerSpec(modelType, unkId, bosId, eosId, padId, byteFallback, wsSuffix);
    }

    private static NormalizerSpec parseNormalizerSpec(byte[] bytes) throws IOException {
        NormalizerSpec d = NormalizerSpec.DEFAULTS;
        String name = d.name();
        byte[] charsmap = new byte[0];
        boolean dummyPrefix = d.addDummyPrefix();
        boolean removeWs = d.removeExtraWhitespaces();
        boolean escapeWs = d.escapeWhitespaces();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == NORM_NAME && isLengthDelimited(tag)) {
                name = new String(in.readByteArray(), StandardCharsets.UTF_8);
            } else if (field == NORM_CHARSMAP && isLengthDelimited(tag)) {
                charsmap = in.readByteArray();
            } else if (field == NORM_ADD_DUMMY_PREFIX && isVarint(tag)) {
                dummyPrefix = in.readBool();
            } else if (field == NORM_REMOVE_EXTRA_WS && isVarint(tag)) {
                removeWs = in.readBool();
            } else if (field == NORM_ESCAPE_WS && isVarint(tag)) {
                escapeWs = in.readBool();
            } else {
                in.skipField(tag);
            }
        }
        return new NormalizerSpec(name, charsmap, dummyPrefix, removeWs, escapeWs);
    }

    // A field whose wire type does not match the schema is an unknown field to protobuf, hence skipped.
    private static boolean isLengthDelimited(int tag) {
        return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    private static boolean isVarint(int tag) {
        return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT;
    }
}
