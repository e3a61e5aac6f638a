package dev.lumen.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import dev.lumen.engine.text.SentencePieceModel.ModelType;
import dev.lumen.engine.text.SentencePieceModel.PieceType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Model proto parsing and unigram segmentation: the fixture model against the reference SentencePiece
 * ({@code text/spiece-encode-cases.json}), and small hand-built protos whose best segmentations can be
 * worked out by hand.
 */
class SentencePieceProcessorTest {

    @Test
    void parsesFixtureModel() {
        SentencePieceModel model = SentencePieceModel.read(T5TokenizerTest.fixture("model/tokenizer/spiece.model"));
        assertThat(model.pieces()).hasSize(400);
        assertThat(model.pieces().get(0)).isEqualTo(new SentencePieceModel.Piece("<pad>", 0f, PieceType.CONTROL));
        assertThat(model.pieces().get(1)).isEqualTo(new SentencePieceModel.Piece("</s>", 0f, PieceType.CONTROL));
        assertThat(model.pieces().get(2)).isEqualTo(new SentencePieceModel.Piece("<unk>", 0f, PieceType.UNKNOWN));
        assertThat(model.pieces().get(3).piece()).isEqualTo("\u2581");
        assertThat(model.pieces().subList(3, 400)).allSatisfy(p -> assertThat(p.type()).isEqualTo(PieceType.NORMAL));
        assertThat(model.trainerSpec()).isEqualTo(
                new SentencePieceModel.TrainerSpec(ModelType.UNIGRAM, 2, -1, 1, 0, false, false));
        SentencePieceModel.NormalizerSpec norm = model.normalizerSpec();
        assertThat(norm.name()).isEqualTo("nmt_nfkc");
        assertThat(norm.precompiledCharsmap()).hasSize(237561);
        assertThat(norm.addDummyPrefix()).isTrue();
        assertThat(norm.removeExtraWhitespaces()).isTrue();
        assertThat(norm.escapeWhitespaces()).isTrue(); // absent from the file: the schema default
    }

    @Test
    void matchesReferenceSentencePieceOnRandomTexts() throws IOException {
        SentencePieceProcessor sp = SentencePieceProcessor.load(T5TokenizerTest.fixture("model/tokenizer/spiece.model"));
        JsonNode cases;
        try (InputStream in = SentencePieceProcessorTest.class.getResourceAsStream("/text/spiece-encode-cases.json")) {
            assertThat(in).as("test resource text/spiece-encode-cases.json").isNotNull();
            cases = JsonMapper.builder().build().readTree(in).get("cases");
        }
        assertThat(cases.size()).isEqualTo(500);
        for (JsonNode c : cases) {
            String text = c.get("text").asString();
            List<SentencePieceProcessor.Token> tokens = sp.encode(text);
            List<String> pieces = new ArrayList<>();
            c.get("pieces").forEach(p -> pieces.add(p.asString()));
            List<Integer> ids = new ArrayList<>();
            c.get("ids").forEach(id -> ids.add(id.asInt()));
            assertThat(tokens).as("pieces of %s", c.get("text"))
                    .extracting(SentencePieceProcessor.Token::piece).containsExactlyElementsOf(pieces);
            assertThat(tokens).as("ids of %s", c.get("text"))
                    .extracting(SentencePieceProcessor.Token::id).containsExactlyElementsOf(ids);
        }
    }

    @Test
    void absentSpecsTakeSchemaDefaults() {
        SentencePieceModel model = SentencePieceModel.parse(new Proto().piece("<unk>", 0, PieceType.UNKNOWN).bytes(), "t");
        assertThat(model.trainerSpec()).isEqualTo(SentencePieceModel.TrainerSpec.DEFAULTS);
        assertThat(model.normalizerSpec()).isEqualTo(SentencePieceModel.NormalizerSpec.DEFAULTS);
    }

    @Test
    void repeatedSpecMessagesMergeAndUnknownFieldsAreSkipped() {
        byte[] data = new Proto().piece("<unk>", 0, PieceType.UNKNOWN)
                .trainer(w -> w.writeInt32(40, 0))
                .trainer(w -> w.writeBool(35, false))
                .trainer(w -> w.writeString(1, "corpus.txt"))
                .normalizer(w -> w.writeString(1, "identity"))
                .normalizer(w -> w.writeBool(5, false))
                .raw(w -> w.writeString(99, "ignored"))
                .bytes();
        SentencePieceModel model = SentencePieceModel.parse(data, "t");
        assertThat(model.normalizerSpec().name()).isEqualTo("identity");
        assertThat(model.normalizerSpec().escapeWhitespaces()).isFalse();
        assertThat(model.trainerSpec().unkId()).isZero();
    }

    @Test
    void viterbiPrefersHigherTotalScore() {
        Proto base = basic().piece("\u2581ab", -5f, PieceType.NORMAL);
        assertThat(processor(base).encodeAsPieces("ab")).containsExactly("\u2581", "a", "b"); // -3 beats -5
        Proto better = basic().piece("\u2581ab", -2.5f, PieceType.NORMAL);
        assertThat(processor(better).encodeAsPieces("ab")).containsExactly("\u2581ab");
    }

    @Test
    void tieGoesToThePathWhoseLastPieceStartsEarliest() {
        // "▁a"+"b" and "▁"+"ab" both score -4; the candidate ending at the last byte from the earlier
        // start ("ab" at byte 3) is found first and a tie does not replace it.
        SentencePieceProcessor sp = processor(new Proto()
                .piece("<unk>", 0, PieceType.UNKNOWN)
                .piece("\u2581", -2f, PieceType.NORMAL)
                .piece("\u2581a", -2f, PieceType.NORMAL)
                .piece("ab", -2f, PieceType.NORMAL)
                .piece("a", -3f, PieceType.NORMAL)
                .piece("b", -2f, PieceType.NORMAL));
        assertThat(sp.encodeAsPieces("ab")).containsExactly("\u2581", "ab");
    }

    @Test
    void consecutiveUnknownCharactersMergeIntoOnePiece() {
        SentencePieceProcessor sp = processor(basic());
        List<SentencePieceProcessor.Token> tokens = sp.encode("aXY\u2603b Z");
        assertThat(tokens).extracting(SentencePieceProcessor.Token::piece)
                .containsExactly("\u2581", "a", "XY\u2603", "b", "\u2581", "Z");
        assertThat(tokens).extracting(SentencePieceProcessor.Token::id)
                .containsExactly(1, 2, 0, 3, 1, 0);
        assertThat(sp.encodeAsIds("XY")).containsExactly(1, 0);
    }

    @Test
    void userDefinedPiecesAreKeptWholeAndWin() {
        SentencePieceProcessor sp = processor(basic()
                .piece("<", -1f, PieceType.NORMAL)
                .piece(">", -1f, PieceType.NORMAL)
                .piece("s", -1f, PieceType.NORMAL)
                .piece("<s>", -1f, PieceType.USER_DEFINED));
        assertThat(sp.encodeAsPieces("a<s>b")).containsExactly("\u2581", "a", "<s>", "b");
    }

    @Test
    void unusedPiecesAreNeverChosen() {
        SentencePieceProcessor sp = processor(basic().piece("\u2581ab", -0.1f, PieceType.UNUSED));
        assertThat(sp.encodeAsPieces("ab")).containsExactly("\u2581", "a", "b");
        assertThat(sp.pieceToId("\u2581ab")).isEqualTo(4);
    }

    @Test
    void byteFallbackSpellsUnknownCharactersAsBytes() {
        Proto proto = basic().trainer(w -> w.writeBool(35, true));
        for (int b = 0; b < 256; b++) {
            proto.piece(String.format("<0x%02X>", b), 0f, PieceType.BYTE);
        }
        SentencePieceProcessor sp = processor(proto);
        assertThat(sp.encodeAsPieces("a\u2603X")).containsExactly("\u2581", "a", "<0xE2>", "<0x98>", "<0x83>", "<0x58>");
        assertThat(sp.encodeAsIds("\u2603")).containsExactly(1, 4 + 0xE2, 4 + 0x98, 4 + 0x83);
    }

    @Test
    void pieceToIdLooksUpReservedThenNormalPieces() {
        SentencePieceProcessor sp = processor(basic().piece("<s>", 0f, PieceType.CONTROL));
        assertThat(sp.pieceToId("<s>")).isEqualTo(4);
        assertThat(sp.pieceToId("a")).isEqualTo(2);
        assertThat(sp.pieceToId("nothing")).isZero();
        assertThat(sp.idToPiece(3)).isEqualTo("b");
    }

    @Test
    void inconsistentModelsAreRejectedNamingTheSource() {
        assertRejected(basic().trainer(w -> w.writeEnum(3, ModelType.BPE.number())), "BPE");
        assertRejected(new Proto().piece("a", -1, PieceType.NORMAL), "no unknown piece");
        assertRejected(basic().piece("a", -1, PieceType.NORMAL), "defined twice");
        assertRejected(basic().piece("", -1, PieceType.NORMAL), "empty");
        assertRejected(basic().piece("<0x41>", 0, PieceType.BYTE), "byte_fallback");
        assertRejected(basic().trainer(w -> w.writeBool(35, true)), "<0x00>");
        assertRejected(new Proto(), "no pieces");
    }

    private static void assertRejected(Proto proto, String why) {
        assertThatThrownBy(() -> SentencePieceProcessor.of(SentencePieceModel.parse(proto.bytes(), "dir/x.model"),
                "dir/x.model"))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("dir/x.model")
                .hasMessageContaining(why);
    }

    /** unk 0, "▁" 1, "a" 2, "b" 3, all -1 (so an unknown character scores -11), identity normaliser. */
    private static Proto basic() {
        return new Proto()
                .piece("<unk>", 0, PieceType.UNKNOWN)
                .piece("\u2581", -1f, PieceType.NORMAL)
                .piece("a", -1f, PieceType.NORMAL)
                .piece("b", -1f, PieceType.NORMAL);
    }

    private static SentencePieceProcessor processor(Proto proto) {
        return SentencePieceProcessor.of(SentencePieceModel.parse(proto.bytes(), "test"), "test");
    }

    /** Writes fields of one message. */
    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    /** A hand-built ModelProto: pieces, then any trainer_spec / normalizer_spec messages and raw fields. */
    private static final class Proto {
        private final List<Fields> fields = new ArrayList<>();

        Proto piece(String text, float score, PieceType type) {
            byte[] piece = message(w -> {
                w.writeString(1, text);
                w.writeFloat(2, score);
                w.writeEnum(3, type.number());
            });
            fields.add(w -> w.writeByteArray(1, piece));
            return this;
        }

        Proto trainer(Fields f) {
            byte[] m = message(f);
            fields.add(w -> w.writeByteArray(2, m));
            return this;
        }

        Proto normalizer(Fields f) {
            byte[] m = message(f);
            fields.add(w -> w.writeByteArray(3, m));
            return this;
        }

        Proto raw(Fields f) {
            fields.add(f);
            return this;
        }

        byte[] bytes() {
            return message(w -> {
                for (Fields f : fields) {
                    f.write(w);
                }
            });
        }

        private static byte[] message(Fields f) {
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                CodedOutputStream out = CodedOutputStream.newInstance(bytes);
                f.write(out);
                out.flush();
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
