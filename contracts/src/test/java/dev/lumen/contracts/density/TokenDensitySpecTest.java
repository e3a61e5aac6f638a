package dev.lumen.contracts.density;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.density.DensityRuleSpec.Coarse;
import dev.lumen.contracts.density.DensityRuleSpec.Dense;
import dev.lumen.contracts.density.DensityRuleSpec.KvPool;
import dev.lumen.contracts.density.DensityRuleSpec.KvPoolLocal;
import dev.lumen.contracts.density.DensityRuleSpec.MeanV;
import dev.lumen.contracts.density.DensityRuleSpec.Pooling;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The one reader of {@code token_density}: the three forms, the canonical JSON, and errors naming the field at fault. */
class TokenDensitySpecTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    @Test
    void readsPresetsFractionsAndRules() {
        assertThat(TokenDensitySpec.read(json("\"balanced\""))).isEqualTo(new TokenDensitySpec.Preset(DensityPresetName.BALANCED));
        assertThat(TokenDensitySpec.read(json("\" Minimal \""))).isEqualTo(new TokenDensitySpec.Preset(DensityPresetName.MINIMAL));
        assertThat(TokenDensitySpec.read(json("0.75"))).isEqualTo(new TokenDensitySpec.Fraction(0.75));
        assertThat(TokenDensitySpec.read(json("1"))).isEqualTo(new TokenDensitySpec.Fraction(1.0));
        assertThat(TokenDensitySpec.read(json("null"))).isNull();
        assertThat(TokenDensitySpec.read((JsonNode) null)).isNull();
        TokenDensitySpec rules = TokenDensitySpec.read(json("""
                {"rules": [{"t": [500, 1000], "blocks": "2-25", "op": "kv_pool", "s": 4, "mode": "nearest"},
                           {"blocks": [0, 1], "op": "mean_v", "experimental": true},
                           {"t": [0, 500], "blocks": 7, "op": "kv_pool_local", "window": 8},
                           {"op": "coarse", "blocks": " 3 - 5 "},
                           {"op": "dense"}]}"""));
        assertThat(rules).isEqualTo(new TokenDensitySpec.Rules(List.of(
                new DensityRuleSpec(0, 500, 1000, 2, 25, new KvPool(4, Pooling.NEAREST)),
                new DensityRuleSpec(1, 0, 1000, 0, 1, new MeanV()),
                new DensityRuleSpec(2, 0, 500, 7, 7, new KvPoolLocal(2, 8)),
                new DensityRuleSpec(3, 0, 1000, 3, 5, new Coarse(2)),
                new DensityRuleSpec(4, 0, 1000, 0, DensityRuleSpec.LAST, new Dense()))));
        assertThat(rules.describe()).isEqualTo("5 rules");
    }

    @Test
    void theCanonicalFormSpellsOutDefaultsAndReadsBackToTheSameValue() {
        TokenDensitySpec rules = TokenDensitySpec.read(json("""
                {"rules": [{"blocks": [2, 25], "op": "kv_pool", "t": [500, 1000]},
                           {"blocks": 1, "experimental": true, "op": "mean_v"},
                           {"op": "kv_pool_local", "s": 4, "window": 8}]}"""));
        assertThat(rules.toJson().toString()).isEqualTo("{\"rules\":["
                + "{\"op\":\"kv_pool\",\"t\":[500,1000],\"blocks\":\"2-25\",\"s\":2,\"mode\":\"avg\"},"
                + "{\"op\":\"mean_v\",\"blocks\":\"1\",\"experimental\":true},"
                + "{\"op\":\"kv_pool_local\",\"s\":4,\"window\":8}]}");
        assertThat(TokenDensitySpec.read(rules.toJson())).isEqualTo(rules);
        assertThat(TokenDensitySpec.read(json("\"HIGH\"")).toJson().toString()).isEqualTo("\"high\"");
        assertThat(TokenDensitySpec.read(json("0.5")).toJson().toString()).isEqualTo("0.5");
        for (DensityPresetName p : DensityPresetName.values()) {
            assertThat(TokenDensitySpec.read(new TokenDensitySpec.Preset(p).toJson())).isEqualTo(new TokenDensitySpec.Preset(p));
        }
    }

    @Test
    void everyPresetButFullMissedItsQualityBarAndIsExperimental() {
        // Measured with ./lumen bench density on the demo model (ADR 9, "Measured quality and status").
        assertThat(java.util.Arrays.stream(DensityPresetName.values()).filter(DensityPresetName::experimental))
                .containsExactly(DensityPresetName.HIGH, DensityPresetName.BALANCED, DensityPresetName.LOW,
                        DensityPresetName.MINIMAL);
        assertThat(DensityPresetName.FULL.experimental()).isFalse();
        assertThat(DensityPresetName.EXPERIMENTAL_MEANS).contains("quality bar", "docs/adr/0009");
    }

    @Test
    void commandLineForms() {
        assertThat(TokenDensitySpec.parse("Balanced")).isEqualTo(new TokenDensitySpec.Preset(DensityPresetName.BALANCED));
        assertThat(TokenDensitySpec.parse("0.75")).isEqualTo(new TokenDensitySpec.Fraction(0.75));
        assertThat(TokenDensitySpec.parse(".5")).isEqualTo(new TokenDensitySpec.Fraction(0.5));
        assertThatThrownBy(() -> TokenDensitySpec.parse("0.7x")).isInstanceOf(InvalidDensityException.class)
                .hasMessageContaining("neither a preset");
        assertThatThrownBy(() -> TokenDensitySpec.parse("-1")).hasMessageContaining("must be in (0, 1], got -1.0");
        assertThatThrownBy(() -> TokenDensitySpec.read("{\"rules\": [")).hasMessageContaining("token_density is not valid JSON");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "true|token_density|token_density must be a preset name (full, high, balanced, low, minimal), a number in (0, 1] or {\"rules\": [...]}, got true",
            "[1, 0.5]|token_density|got array",
            "\"turbo\"|token_density|token_density \"turbo\" is not a preset; use one of full, high, balanced, low, minimal",
            "\"balanced-mirror\"|token_density|is not a preset",
            "0|token_density|must be in (0, 1], got 0.0",
            "-0.5|token_density|must be in (0, 1], got -0.5",
            "1.5|token_density|must be in (0, 1], got 1.5",
            "1e400|token_density|must be in (0, 1], got Infinity",
            "{\"plan\": []}|token_density|token_density as an object must be {\"rules\": [...]}",
            "{\"rules\": [], \"x\": 1}|token_density|token_density as an object must be {\"rules\": [...]}",
            "{\"rules\": {}}|token_density|token_density as an object must be {\"rules\": [...]}",
            "{\"rules\": []}|token_density.rules|token_density rules must hold at least one rule",
            "{\"rules\": [7]}|token_density.rules[0]|token_density rules[0] must be an object",
            "{\"rules\": [{\"op\": \"dense\"}, {\"op\": \"kv_pool\", \"stride\": 2}]}|token_density.rules[1]|token_density rules[1] has an unknown field \"stride\"",
            "{\"rules\": [{\"blocks\": \"1\"}]}|token_density.rules[0].op|token_density rules[0] needs \"op\"",
            "{\"rules\": [{\"op\": 5}]}|token_density.rules[0].op|token_density rules[0] needs \"op\"",
            "{\"rules\": [{\"op\": \"prune\"}]}|token_density.rules[0].op|token_density rules[0]: unknown op \"prune\"",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [900, 800]}]}|token_density.rules[0].t|token_density rules[0] (kv_pool): \"t\" [900, 800] must satisfy 0 ≤ from < to ≤ 1000",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [0, 1001]}]}|token_density.rules[0].t|must satisfy 0 ≤ from < to ≤ 1000",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [0.5, 10]}]}|token_density.rules[0].t|\"t\" must hold integers, got 0.5",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": 5}]}|token_density.rules[0].t|\"t\" must be [from, to]",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": \"7-3\"}]}|token_density.rules[0].blocks|token_density rules[0] (kv_pool): \"blocks\" 7-3 is not a range of blocks",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": [-1, 3]}]}|token_density.rules[0].blocks|\"blocks\" -1-3 is not a range of blocks",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": [0, 2147483647]}]}|token_density.rules[0].blocks|goes past block 9999",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": \"a-b\"}]}|token_density.rules[0].blocks|\"blocks\" must be \"first-last\"",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": \"99999999999\"}]}|token_density.rules[0].blocks|\"blocks\" must be \"first-last\"",
            "{\"rules\": [{\"op\": \"coarse\", \"blocks\": \"2-10\", \"s\": 3}]}|token_density.rules[0].s|token_density rules[0] (coarse): \"s\" must be 2 or 4, got 3",
            "{\"rules\": [{\"op\": \"coarse\", \"s\": \"2\"}]}|token_density.rules[0].s|\"s\" must hold integers, got \"2\"",
            "{\"rules\": [{\"op\": \"dense\", \"s\": 2}]}|token_density.rules[0].s|\"s\" does not apply to dense",
            "{\"rules\": [{\"op\": \"mean_v\", \"blocks\": \"0-1\"}]}|token_density.rules[0].experimental|token_density rules[0] (mean_v) is experimental",
            "{\"rules\": [{\"op\": \"mean_v\", \"experimental\": \"yes\"}]}|token_density.rules[0].experimental|\"experimental\" must be true or false",
            "{\"rules\": [{\"op\": \"kv_pool_local\", \"s\": 2}]}|token_density.rules[0].window|token_density rules[0] (kv_pool_local) needs \"window\"",
            "{\"rules\": [{\"op\": \"kv_pool_local\", \"window\": 65}]}|token_density.rules[0].window|\"window\" must be in 2…64, got 65",
            "{\"rules\": [{\"op\": \"kv_pool\", \"window\": 4}]}|token_density.rules[0].window|token_density rules[0] (kv_pool): \"window\" belongs to kv_pool_local only",
            "{\"rules\": [{\"op\": \"coarse\", \"mode\": \"avg\"}]}|token_density.rules[0].mode|token_density rules[0] (coarse): \"mode\" belongs to kv_pool only",
            "{\"rules\": [{\"op\": \"kv_pool\", \"mode\": \"max\"}]}|token_density.rules[0].mode|token_density rules[0] (kv_pool): \"mode\" must be \"avg\" or \"nearest\""})
    void invalidValuesNameTheFieldAndTheRule(String value, String field, String message) {
        assertThatThrownBy(() -> TokenDensitySpec.read(json(value)))
                .isInstanceOf(InvalidDensityException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidDensityException) e).field()).isEqualTo(field));
    }
}
