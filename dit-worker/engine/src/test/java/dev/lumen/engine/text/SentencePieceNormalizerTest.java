package dev.lumen.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The normaliser with the fixture's nmt_nfkc precompiled map, and the whitespace flags on an identity
 * map. "▁" is U+2581, the escaped space.
 */
class SentencePieceNormalizerTest {

    private static SentencePieceNormalizer nfkc;

    @BeforeAll
    static void load() {
        nfkc = SentencePieceProcessor.load(T5TokenizerTest.fixture("model/tokenizer/spiece.model")).normalizer();
    }

    @Test
    void fullWidthLettersBecomeAscii() {
        assertThat(nfkc.normalize("\uFF26\uFF55\uFF4C\uFF4C\uFF0D\uFF57\uFF49\uFF44\uFF54\uFF48 \uFF23\uFF21\uFF34"))
                .isEqualTo("\u2581Full-width\u2581CAT");
        assertThat(nfkc.normalize("\uFF11\uFF12")).isEqualTo("\u258112");
    }

    @Test
    void nfkcCompatibilityMappings() {
        assertThat(nfkc.normalize("CAT\u2026")).isEqualTo("\u2581CAT...");
        assertThat(nfkc.normalize("\uFB01ne")).isEqualTo("\u2581fine");
        assertThat(nfkc.normalize("\u00BD")).isEqualTo("\u25811\u20442");
        // A decomposed accent is composed, as NFKC does; an already composed one is kept.
        assertThat(nfkc.normalize("cafe\u0301")).isEqualTo("\u2581caf\u00E9");
        assertThat(nfkc.normalize("na\u00EFve")).isEqualTo("\u2581na\u00EFve");
    }

    @Test
    void runsOfSpacesCollapseAndEndsAreTrimmed() {
        assertThat(nfkc.normalize("  extra   spaces  ")).isEqualTo("\u2581extra\u2581spaces");
        assertThat(nfkc.normalize("a \u200B b")).isEqualTo("\u2581a\u2581b");
        // Spaces produced by the map count too: ideographic spaces at the start vanish, inside collapse.
        assertThat(nfkc.normalize("\u3000\u3000a\u3000\u3000b\u3000")).isEqualTo("\u2581a\u2581b");
        assertThat(nfkc.normalize("a\tb\nc")).isEqualTo("\u2581a\u2581b\u2581c");
    }

    @Test
    void emptyAndBlankTextNormaliseToNothing() {
        assertThat(nfkc.normalize("")).isEmpty();
        assertThat(nfkc.normalize("   ")).isEmpty();
        assertThat(nfkc.normalize("\u3000 \t")).isEmpty();
    }

    @Test
    void goldenPromptFive() {
        assertThat(nfkc.normalize("  \uFF26\uFF55\uFF4C\uFF4C\uFF0D\uFF57\uFF49\uFF44\uFF54\uFF48 \uFF23\uFF21\uFF34\u2026"
                + " na\u00EFve caf\u00E9 \u2603   extra   spaces  "))
                .isEqualTo("\u2581Full-width\u2581CAT...\u2581na\u00EFve\u2581caf\u00E9\u2581\u2603\u2581extra\u2581spaces");
    }

    @Test
    void whitespaceFlagsOnIdentityMap() {
        assertThat(identity(true, true, true, false).normalize("  a  b ")).isEqualTo("\u2581a\u2581b");
        assertThat(identity(true, false, true, false).normalize("  a  b ")).isEqualTo("\u2581\u2581\u2581a\u2581\u2581b\u2581");
        assertThat(identity(true, true, false, false).normalize(" a  b")).isEqualTo(" a b");
        assertThat(identity(false, true, true, false).normalize(" a  b")).isEqualTo("a\u2581b");
        assertThat(identity(true, true, true, true).normalize(" a  b ")).isEqualTo("a\u2581b\u2581");
        // Without a character map nothing but spaces changes.
        assertThat(identity(true, true, true, false).normalize("\uFF26\u2026")).isEqualTo("\u2581\uFF26\u2026");
    }

    @Test
    void malformedUtf8BecomesReplacementCharacterPerByte() {
        byte[] input = {'a', (byte) 0xE2, (byte) 0x80, 'b'};
        byte[] out = identity(true, true, true, false).normalize(input);
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("\u2581a\uFFFD\uFFFDb");
    }

    @Test
    void corruptCharsmapNamesTheSource() {
        var spec = new SentencePieceModel.NormalizerSpec("broken", new byte[] {100, 0, 0, 0, 1, 2}, true, true, true);
        assertThatThrownBy(() -> new SentencePieceNormalizer(spec, false, null, "some/spiece.model"))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("some/spiece.model");
    }

    private static SentencePieceNormalizer identity(boolean dummyPrefix, boolean removeSpaces, boolean escape,
                                                    boolean whitespaceAsSuffix) {
        var spec = new SentencePieceModel.NormalizerSpec("identity", new byte[0], dummyPrefix, removeSpaces, escape);
        return new SentencePieceNormalizer(spec, whitespaceAsSuffix, null, "test");
    }
}
