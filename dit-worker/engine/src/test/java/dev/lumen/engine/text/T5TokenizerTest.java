package dev.lumen.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.format.TensorSource;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tokenizer against the goldens of {@code pixart-tiny} (transformers 4.46.3 slow T5Tokenizer,
 * legacy=True, over sentencepiece 0.1.97), plus the T5 conventions and the error cases.
 */
class T5TokenizerTest {

    private static final int MAX_LENGTH = 120;

    private static T5Tokenizer tokenizer;
    private static List<String> prompts;
    private static List<String> preprocessed;
    private static List<List<String>> tokens;
    private static int[] untruncatedLengths;
    private static int[][] inputIds;
    private static int[][] attentionMask;
    private static int[][] preprocessedInputIds;
    private static int[][] preprocessedAttentionMask;

    @BeforeAll
    static void loadFixtures() throws IOException {
        tokenizer = T5Tokenizer.load(fixture("model/tokenizer"));
        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(fixture("golden/prompts.json")));
        assertThat(json.get("max_length").asInt()).isEqualTo(MAX_LENGTH);
        prompts = strings(json.get("prompts"));
        preprocessed = strings(json.get("preprocessed"));
        tokens = new ArrayList<>();
        for (JsonNode row : json.get("tokens")) {
            tokens.add(strings(row));
        }
        JsonNode lengths = json.get("untruncated_length_with_eos");
        untruncatedLengths = IntStream.range(0, lengths.size()).map(i -> lengths.get(i).asInt()).toArray();
        try (TensorSource golden = TensorSource.open(fixture("golden/tokenizer.safetensors"))) {
            inputIds = rows(golden, "input_ids", prompts.size());
            attentionMask = rows(golden, "attention_mask", prompts.size());
            preprocessedInputIds = rows(golden, "preprocessed_input_ids", prompts.size());
            preprocessedAttentionMask = rows(golden, "preprocessed_attention_mask", prompts.size());
        }
    }

    static Path fixture(String relative) {
        URL url = T5TokenizerTest.class.getResource("/pixart-tiny/" + relative);
        assertThat(url).as("test resource pixart-tiny/" + relative).isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asString());
        }
        return out;
    }

    /** A [rows, MAX_LENGTH] float32 tensor of small integers, as int rows. */
    private static int[][] rows(TensorSource source, String name, int rows) {
        source.expect(name, rows, MAX_LENGTH);
        float[] flat = source.floats(name);
        int[][] out = new int[rows][MAX_LENGTH];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < MAX_LENGTH; c++) {
                float v = flat[r * MAX_LENGTH + c];
                assertThat(v).isEqualTo((float) Math.rint(v));
                out[r][c] = (int) v;
            }
        }
        return out;
    }

    @Test
    void rawPromptsMatchGoldenIdsAndMasks() {
        for (int i = 0; i < prompts.size(); i++) {
            Encoding e = tokenizer.encode(prompts.get(i), MAX_LENGTH);
            assertThat(e.ids()).as("input_ids of prompt %d", i).containsExactly(inputIds[i]);
            assertThat(e.attentionMask()).as("attention_mask of prompt %d", i).containsExactly(attentionMask[i]);
        }
    }

    @Test
    void preprocessedPromptsMatchGoldenIdsAndMasks() {
        for (int i = 0; i < preprocessed.size(); i++) {
            Encoding e = tokenizer.encode(preprocessed.get(i), MAX_LENGTH);
            assertThat(e.ids()).as("preprocessed_input_ids of prompt %d", i).containsExactly(preprocessedInputIds[i]);
            assertThat(e.attentionMask()).as("preprocessed_attention_mask of prompt %d", i)
                    .containsExactly(preprocessedAttentionMask[i]);
        }
    }

    @Test
    void batchEqualsGoldenRows() {
        List<Encoding> batch = tokenizer.encodeBatch(prompts, MAX_LENGTH);
        assertThat(batch).hasSize(prompts.size());
        for (int i = 0; i < batch.size(); i++) {
            assertThat(batch.get(i)).isEqualTo(new Encoding(inputIds[i], attentionMask[i]));
        }
    }

    @Test
    void piecesMatchGoldenTokens() {
        for (int i = 0; i < prompts.size(); i++) {
            List<String> pieces = tokenizer.pieces(prompts.get(i));
            List<String> truncated = new ArrayList<>(pieces.subList(0, Math.min(pieces.size(), MAX_LENGTH - 1)));
            truncated.add("</s>");
            assertThat(truncated).as("pieces of prompt %d", i).containsExactlyElementsOf(tokens.get(i));
        }
    }

    @Test
    void unpaddedLengthsMatchUntruncatedGoldenLengths() {
        for (int i = 0; i < prompts.size(); i++) {
            Encoding e = tokenizer.encodeUnpadded(prompts.get(i));
            assertThat(e.length()).as("prompt %d", i).isEqualTo(untruncatedLengths[i]);
            assertThat(e.tokenCount()).isEqualTo(e.length());
            assertThat(e.ids()[e.length() - 1]).isEqualTo(tokenizer.eosId());
            // The padded form is the unpadded one cut to MAX_LENGTH - 1 ids plus EOS.
            int[] ids = tokenizer.encode(prompts.get(i));
            assertThat(ids.length + 1).isEqualTo(untruncatedLengths[i]);
        }
    }

    @Test
    void truncatedPromptKeepsFirstPiecesThenEos() {
        int[] all = tokenizer.encode(prompts.get(3));
        assertThat(all.length).isGreaterThan(MAX_LENGTH);
        Encoding e = tokenizer.encode(prompts.get(3), MAX_LENGTH);
        assertThat(Arrays.copyOf(e.ids(), MAX_LENGTH - 1)).containsExactly(Arrays.copyOf(all, MAX_LENGTH - 1));
        assertThat(e.ids()[MAX_LENGTH - 1]).isEqualTo(1);
        assertThat(e.tokenCount()).isEqualTo(MAX_LENGTH);
    }

    @Test
    void t5Conventions() {
        assertThat(tokenizer.sentencePiece().pieceCount()).isEqualTo(400);
        assertThat(tokenizer.vocabSize()).isEqualTo(500);
        assertThat(tokenizer.padId()).isZero();
        assertThat(tokenizer.eosId()).isEqualTo(1);
        assertThat(tokenizer.unkId()).isEqualTo(2);
        assertThat(tokenizer.sentinelId(0)).isEqualTo(499);
        assertThat(tokenizer.sentinelId(99)).isEqualTo(400);
        assertThat(tokenizer.idToPiece(499)).isEqualTo("<extra_id_0>");
        assertThat(tokenizer.idToPiece(400)).isEqualTo("<extra_id_99>");
        assertThat(tokenizer.idToPiece(1)).isEqualTo("</s>");
        assertThat(tokenizer.pieceToId("<extra_id_17>")).isEqualTo(482);
        assertThat(tokenizer.pieceToId("\u2581fox")).isEqualTo(tokenizer.encode("fox")[0]);
        assertThatThrownBy(() -> tokenizer.sentinelId(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.idToPiece(500)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyTextIsJustEos() {
        assertThat(tokenizer.encode("")).isEmpty();
        assertThat(tokenizer.encode("   ")).isEmpty();
        Encoding e = tokenizer.encode("", 4);
        assertThat(e.ids()).containsExactly(1, 0, 0, 0);
        assertThat(e.attentionMask()).containsExactly(1, 0, 0, 0);
        assertThat(tokenizer.encodeUnpadded("").ids()).containsExactly(1);
    }

    @Test
    void literalSpecialTokensAreSplitOutWithTheirIds() {
        int[] fox = tokenizer.encode("fox");
        int[] cat = tokenizer.encode("cat");
        // Each stretch between special tokens is encoded alone, so each gets its own dummy prefix.
        assertThat(tokenizer.encode("fox</s>cat")).containsExactly(concat(fox, new int[] {1}, cat));
        assertThat(tokenizer.encode("fox<pad>cat")).containsExactly(concat(fox, new int[] {0}, cat));
        assertThat(tokenizer.encode("fox<unk>cat")).containsExactly(concat(fox, new int[] {2}, cat));
        assertThat(tokenizer.encode("fox <extra_id_0> cat")).containsExactly(concat(fox, new int[] {499}, cat));
        assertThat(tokenizer.encode("<extra_id_99><extra_id_1>")).containsExactly(400, 498);
        assertThat(tokenizer.pieces("fox<extra_id_5>cat")).contains("<extra_id_5>");
        // Not special tokens: out of range, unterminated, or nested; these go through SentencePiece.
        assertThat(Arrays.stream(tokenizer.encode("<extra_id_100>")).max().orElseThrow()).isLessThan(400);
        assertThat(tokenizer.encode("<pad")).doesNotContain(0);
        assertThat(tokenizer.encode("<<pad>>")).containsOnlyOnce(0);
    }

    @Test
    void sentinelsSwallowSurroundingWhitespaceOthersDoNot() {
        // U+0085 NEXT LINE is whitespace to Python's strip() but the nmt_nfkc map keeps it, and this
        // vocabulary has no piece for it: stripped it vanishes, kept it shows up as <unk>.
        assertThat(tokenizer.tokenize("fox\u0085<extra_id_3>\u0085cat"))
                .containsExactly("\u2581fox", "<extra_id_3>", "\u2581cat");
        assertThat(tokenizer.encode("fox\u0085<extra_id_3>\u0085cat")).doesNotContain(2);
        assertThat(tokenizer.encode("fox\u0085</s>\u0085cat")).containsSubsequence(2, 1, 2);
        assertThat(tokenizer.tokenize("\t<extra_id_3>\n")).containsExactly("<extra_id_3>");
        assertThat(tokenizer.tokenize("<extra_id_3> <extra_id_4>")).containsExactly("<extra_id_3>", "<extra_id_4>");
    }

    @Test
    void textEndingInEosGetsNoSecondEos() {
        int[] fox = tokenizer.encode("fox");
        Encoding e = tokenizer.encode("fox</s>", 8);
        assertThat(e.tokenCount()).isEqualTo(fox.length + 1);
        assertThat(e.ids()[fox.length]).isEqualTo(1);
        assertThat(e.ids()[fox.length + 1]).isZero();
    }

    @Test
    void shortMaxLengths() {
        assertThat(tokenizer.encode(prompts.get(0), 1).ids()).containsExactly(1);
        assertThat(tokenizer.encode(prompts.get(0), 3).ids())
                .containsExactly(inputIds[0][0], inputIds[0][1], 1);
        assertThatThrownBy(() -> tokenizer.encode("a", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchPaddedToLongest() {
        List<String> captions = List.of("a blue house", "a quiet room with white windows", "");
        List<Encoding> batch = tokenizer.encodeBatchPadToLongest(captions);
        int longest = captions.stream().mapToInt(c -> tokenizer.encodeUnpadded(c).length()).max().orElseThrow();
        for (int i = 0; i < captions.size(); i++) {
            Encoding alone = tokenizer.encodeUnpadded(captions.get(i));
            Encoding padded = batch.get(i);
            assertThat(padded.length()).isEqualTo(longest);
            assertThat(padded.tokenCount()).isEqualTo(alone.length());
            assertThat(Arrays.copyOf(padded.ids(), alone.length())).containsExactly(alone.ids());
            assertThat(tokenizer.encode(captions.get(i), longest)).isEqualTo(padded);
        }
    }

    @Test
    void unpairedSurrogateIsRejected() {
        assertThatThrownBy(() -> tokenizer.encode("a\uD800b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("surrogate");
        // A proper pair is one character, unknown to this vocabulary.
        assertThat(tokenizer.pieces("\uD83D\uDE00")).containsExactly("\u2581", "<unk>");
    }

    @Test
    void loadsFromPipelineRootOrModelFile() {
        int[] expected = tokenizer.encode(prompts.get(1));
        assertThat(T5Tokenizer.load(fixture("model")).encode(prompts.get(1))).containsExactly(expected);
        assertThat(T5Tokenizer.load(fixture("model/tokenizer/spiece.model")).encode(prompts.get(1)))
                .containsExactly(expected);
    }

    @Test
    void missingModelNamesTheFile(@TempDir Path dir) {
        assertThatThrownBy(() -> T5Tokenizer.load(dir))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(dir.resolve("spiece.model").toString());
    }

    @Test
    void corruptModelNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("spiece.model");
        Files.writeString(file, "this is not a sentencepiece model");
        assertThatThrownBy(() -> T5Tokenizer.load(dir))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void truncatedModelNamesTheFile(@TempDir Path dir) throws IOException {
        byte[] real = Files.readAllBytes(fixture("model/tokenizer/spiece.model"));
        Path file = dir.resolve("spiece.model");
        Files.write(file, Arrays.copyOf(real, real.length / 2));
        assertThatThrownBy(() -> T5Tokenizer.load(dir))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void emptyModelNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("spiece.model");
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> T5Tokenizer.load(dir))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("no pieces");
    }

    @Test
    void modelFileThatIsAFolderNamesIt(@TempDir Path dir) throws IOException {
        Path file = Files.createDirectory(dir.resolve("spiece.model"));
        assertThatThrownBy(() -> T5Tokenizer.load(dir))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(file.toString());
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
