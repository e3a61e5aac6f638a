package dev.lumen.engine.density;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.density.DensityPresetName;
import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Compiling token_density (presets, fractions, rules) into plans, validation messages, and the analytic FLOPs. */
class DensityPlannerTest {
    private static final int[] LCM4 = {999, 759, 499, 259};
    /** PixArt-XL-2-1024-MS: 28 blocks of 16 × 72, T5-XXL captions of 120 tokens. */
    private static final PixArtConfig XL = new PixArtConfig(16, 72, 28, 2, 4, 8, 128, 4096, 1152, 1e-6f, 2, true);

    private static TransformerFlops xl(int pixels) {
        return new TransformerFlops(XL, 1, new TokenGrid(pixels / 16, pixels / 16), 120);
    }

    private static DensityPlan compile(String json) {
        return DensityPlanner.compile(TokenDensity.fromJson(json), LCM4, xl(1024));
    }

    private static TokenOperator kv(int s) {
        return new TokenOperator.KvPool(s, TokenPooling.AVG);
    }

    @Test
    void presetsFollowTheNotesTableOnPixArtXl() {
        DensityPlan balanced = DensityPlanner.preset(DensityPreset.BALANCED, LCM4, 28);
        assertThat(balanced.describe()).containsExactly(
                "t=999: 0-1 dense, 2-27 kv_pool(s=2,avg)",
                "t=759: 0-1 dense, 2-27 kv_pool(s=2,avg)",
                "t=499: 0-1 dense, 2-27 kv_pool(s=2,avg)",
                "t=259: 0-13 dense, 14-27 kv_pool(s=2,avg)");
        DensityPlan low = DensityPlanner.preset(DensityPreset.LOW, LCM4, 28);
        assertThat(low.describe().getFirst())
                .isEqualTo("t=999: 0-1 dense, 2-3 kv_pool(s=2,avg), 4-23 kv_pool(s=4,avg), 24-27 kv_pool(s=2,avg)");
        DensityPlan minimal = DensityPlanner.preset(DensityPreset.MINIMAL, LCM4, 28);
        assertThat(minimal.describe().getFirst()).isEqualTo("t=999: 0-1 mean_v, 2-3 coarse(s=2), 4 kv_pool(s=2,avg), "
                + "5-6 coarse(s=2), 7 kv_pool(s=2,avg), 8-9 coarse(s=2), 10 kv_pool(s=2,avg), 11-12 coarse(s=2), "
                + "13 kv_pool(s=2,avg), 14-15 coarse(s=2), 16 kv_pool(s=2,avg), 17-18 coarse(s=2), 19 kv_pool(s=2,avg), "
                + "20-21 coarse(s=2), 22 kv_pool(s=2,avg), 23-24 coarse(s=2), 25 kv_pool(s=2,avg), 26-27 dense");
        assertThat(minimal.describe().getLast()).isEqualTo(balanced.describe().getFirst().replace("999", "259"));
        // The mirrors thin the late steps: balanced-mirror is balanced's rows in reverse order.
        DensityPlan mirror = DensityPlanner.preset(DensityPreset.BALANCED.mirror(), LCM4, 28);
        for (int s = 0; s < 4; s++) {
            assertThat(mirror.step(s)).containsExactly(balanced.step(3 - s));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"high, 0.160", "balanced, 0.263", "low, 0.292", "minimal, 0.460"})
    void savedFlopsAt1024MatchTheNote(String preset, double saved) {
        TransformerFlops flops = xl(1024);
        DensityPlan plan = DensityPlanner.compile(TokenDensity.parse(preset), LCM4, flops);
        double fraction = (double) flops.run(plan) / flops.denseRun(4);
        // The note counts the blocks only; patch embedding, output projection, conditioning and the
        // caption cache add well under 1 % to both sides.
        assertThat(1 - fraction).isCloseTo(saved, org.assertj.core.data.Offset.offset(0.005));
    }

    @Test
    void blockFlopsMatchTheNotesFormulas() {
        TransformerFlops flops = xl(1024);
        double gflop = 1e9;
        assertThat(flops.block(TokenOperator.DENSE) / gflop).isCloseTo(231.8, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(kv(2)) / gflop).isCloseTo(157.5, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(kv(4)) / gflop).isCloseTo(138.9, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(new TokenOperator.MeanV()) / gflop).isCloseTo(111.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(new TokenOperator.Coarse(2)) / gflop).isCloseTo(43.5, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(new TokenOperator.Coarse(4)) / gflop).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(flops.block(new TokenOperator.KvPoolLocal(4, 8)) / gflop)
                .isCloseTo(160.6, org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void aFractionPicksTheCheapestPresetWithoutMeanVOrCoarseKeepingIt() {
        // At 1024 px, LCM-4: high keeps 0.840, balanced 0.737, low 0.708, minimal 0.540 of the dense FLOPs.
        assertThat(compile("0.9").source()).isEqualTo("fraction 0.900 → preset full");
        assertThat(compile("0.8").source()).isEqualTo("fraction 0.800 → preset high");
        assertThat(compile("0.74").source()).isEqualTo("fraction 0.740 → preset high");
        assertThat(compile("0.73").source()).isEqualTo("fraction 0.730 → preset balanced");
        assertThat(compile("0.7").source()).isEqualTo("fraction 0.700 → preset low");
        // minimal keeps 0.5 and is cheaper than low, but its mean_v and coarse blocks make no
        // pixel-fidelity promise: the request gets low, and the report says so.
        TransformerFlops flops = xl(1024);
        double minimal = (double) flops.run(DensityPlanner.preset(DensityPreset.MINIMAL, LCM4, 28)) / flops.denseRun(4);
        double low = (double) flops.run(DensityPlanner.preset(DensityPreset.LOW, LCM4, 28)) / flops.denseRun(4);
        assertThat(minimal).isGreaterThanOrEqualTo(0.5).isLessThan(low);
        assertThat(compile("0.5").source()).isEqualTo("fraction 0.500 → preset low");
        assertThat(compile("0.3").source()).isEqualTo("fraction 0.300 → preset low");
        assertThat(DensityPreset.MINIMAL.targetFractionMayPick()).isFalse();
        assertThat(compile("1").isDense()).isTrue();
        assertThat(compile("0.99").isDense()).isTrue();
    }

    @Test
    void experimentalPresetsStayPickableByAFractionAndThePlanSaysTheyAreExperimental() {
        // "Experimental" (missed its quality bar) and "a fraction may pick it" (its operators) are
        // two questions: high, balanced and low are both; minimal is only the first.
        for (DensityPreset p : new DensityPreset[] {DensityPreset.HIGH, DensityPreset.BALANCED, DensityPreset.LOW}) {
            assertThat(p.experimental()).as(p.label()).isTrue();
            assertThat(p.targetFractionMayPick()).as(p.label()).isTrue();
        }
        assertThat(DensityPreset.MINIMAL.experimental()).isTrue();
        assertThat(DensityPreset.FULL.experimental()).isFalse();
        assertThat(DensityPreset.FULL.targetFractionMayPick()).isTrue();

        DensityPlan picked = compile("0.8");
        assertThat(picked.experimental()).isTrue();
        assertThat(picked.experimentalNote()).hasValue("token density fraction 0.800 → preset high is experimental: "
                + DensityPresetName.EXPERIMENTAL_MEANS);
        assertThat(compile("0.9").experimental()).as("a fraction that keeps the dense model").isFalse();
        assertThat(compile("0.9").experimentalNote()).isEmpty();
        assertThat(compile("\"balanced\"").experimentalNote()).hasValue("token density preset balanced is experimental: "
                + DensityPresetName.EXPERIMENTAL_MEANS);
        assertThat(compile("\"full\"").experimental()).isFalse();
        // A mirror is what its preset is.
        assertThat(DensityPlanner.preset(DensityPreset.LOW_MIRROR, LCM4, 28).experimentalNote())
                .hasValue("token density preset low-mirror is experimental: it mirrors preset low, which is experimental");
    }

    @Test
    void rulesAreExperimentalExactlyWhenARuleRunsAnOpThatNeedsTheFlag() {
        assertThat(compile("{\"rules\": [{\"op\": \"kv_pool\", \"s\": 4}, {\"op\": \"coarse\", \"blocks\": \"2-9\"}]}")
                .experimental()).isFalse();
        DensityPlan meanV = compile("{\"rules\": [{\"op\": \"kv_pool\"}, {\"op\": \"mean_v\", \"blocks\": \"0-1\", "
                + "\"experimental\": true}]}");
        assertThat(meanV.experimentalNote()).hasValue("token density rules are experimental: token_density rules[1] (mean_v) runs an "
                + "op that needs \"experimental\": true (no fidelity measured)");
        // Even where a later rule overrides it everywhere: the request asked for it.
        assertThat(compile("{\"rules\": [{\"op\": \"mean_v\", \"experimental\": true}, {\"op\": \"dense\"}]}")
                .experimental()).isTrue();
        // Layout regions turning blocks dense keep the mark: it is still the plan asked for.
        TokenOperator[][] rows = {{new TokenOperator.MeanV()}};
        DensityPlan marked = new DensityPlan("1 rule", new int[] {999}, rows, "1 rule is experimental: test");
        DensityPlan dense = marked.denseWhere(s -> true, op -> true, "dense where regional attention runs");
        assertThat(dense.isDense()).isTrue();
        assertThat(dense.experimentalNote()).hasValue("1 rule is experimental: test");
    }

    @Test
    void theLastMatchingRuleWinsAndUncoveredBlocksRunDense() {
        DensityPlan plan = compile("""
                {"rules": [
                  {"t": [500, 1000], "blocks": "2-25", "op": "kv_pool", "s": 4, "mode": "avg"},
                  {"blocks": "14-27", "op": "kv_pool", "s": 2},
                  {"t": [0, 1000], "blocks": "0-1", "op": "mean_v", "experimental": true},
                  {"t": [0, 300], "blocks": [20, 21], "op": "kv_pool_local", "s": 2, "window": 8},
                  {"blocks": 5, "op": "dense"}
                ]}""");
        assertThat(plan.source()).isEqualTo("5 rules");
        assertThat(plan.operator(0, 3)).isEqualTo(kv(4));
        assertThat(plan.operator(0, 5)).isEqualTo(TokenOperator.DENSE);
        assertThat(plan.operator(0, 14)).isEqualTo(kv(2));
        assertThat(plan.operator(2, 3)).isEqualTo(TokenOperator.DENSE); // t = 499 < 500
        assertThat(plan.operator(3, 0)).isEqualTo(new TokenOperator.MeanV());
        assertThat(plan.operator(3, 20)).isEqualTo(new TokenOperator.KvPoolLocal(2, 8));
        assertThat(plan.operator(2, 20)).isEqualTo(kv(2));
        assertThat(plan.operator(1, 27)).isEqualTo(kv(2));
        assertThat(plan.operator(1, 26)).isNotEqualTo(new TokenOperator.KvPool(2, TokenPooling.NEAREST));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"rules\": [{\"blocks\": \"14-30\", \"op\": \"kv_pool\"}]}|token_density rules[0] (kv_pool): blocks 14-30 outside this model's blocks 0-27",
            "{\"rules\": [{\"op\": \"dense\"}, {\"blocks\": \"20-26\", \"op\": \"coarse\"}]}|token_density rules[1] (coarse): coarse is not allowed in the last 2 blocks (26-27)",
            "{\"rules\": [{\"op\": \"coarse\", \"blocks\": \"2-10\", \"s\": 3}]}|token_density rules[0] (coarse): \"s\" must be 2 or 4, got 3",
            "{\"rules\": [{\"op\": \"mean_v\", \"blocks\": \"0-1\"}]}|token_density rules[0] (mean_v) is experimental",
            "{\"rules\": [{\"op\": \"kv_pool_local\", \"s\": 2}]}|token_density rules[0] (kv_pool_local) needs \"window\"",
            "{\"rules\": [{\"op\": \"kv_pool\", \"window\": 4}]}|token_density rules[0] (kv_pool): \"window\" belongs to kv_pool_local only",
            "{\"rules\": [{\"op\": \"coarse\", \"mode\": \"avg\"}]}|token_density rules[0] (coarse): \"mode\" belongs to kv_pool only",
            "{\"rules\": [{\"op\": \"kv_pool\", \"mode\": \"max\"}]}|token_density rules[0] (kv_pool): \"mode\" must be \"avg\" or \"nearest\"",
            "{\"rules\": [{\"op\": \"prune\"}]}|token_density rules[0]: unknown op \"prune\"",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [900, 800]}]}|token_density rules[0] (kv_pool): \"t\" [900, 800] must satisfy 0 ≤ from < to ≤ 1000",
            "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [0, 1001]}]}|must satisfy 0 ≤ from < to ≤ 1000",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": \"7-3\"}]}|token_density rules[0] (kv_pool): \"blocks\" 7-3 is not a range of blocks",
            "{\"rules\": [{\"op\": \"kv_pool\", \"blocks\": \"a-b\"}]}|\"blocks\" must be \"first-last\"",
            "{\"rules\": [{\"op\": \"kv_pool\", \"stride\": 2}]}|token_density rules[0] has an unknown field \"stride\"",
            "{\"rules\": [{\"blocks\": \"1\"}]}|token_density rules[0] needs \"op\"",
            "{\"rules\": [7]}|token_density rules[0] must be an object",
            "{\"rules\": []}|token_density rules must hold at least one rule",
            "{\"plan\": []}|token_density as an object must be {\"rules\": [...]}",
            "\"turbo\"|token_density \"turbo\" is not a preset; use one of full, high, balanced, low, minimal",
            "\"balanced-mirror\"|is not a preset",
            "0|must be in (0, 1], got 0.0",
            "1.5|must be in (0, 1], got 1.5",
            "[1, 0.5]|token_density must be a preset name",
            "{\"rules\": [{\"op\": \"kv_pool\"}|token_density is not valid JSON"})
    void invalidPlansAreRejectedNamingTheRule(String json, String message) {
        assertThatThrownBy(() -> compile(json)).isInstanceOf(InvalidDensityException.class).hasMessageContaining(message);
    }

    @Test
    void errorsOnlyTheModelCanFindNameTheRulesBlocks() {
        assertThatThrownBy(() -> compile("{\"rules\": [{\"op\": \"dense\"}, {\"blocks\": 28, \"op\": \"kv_pool\"}]}"))
                .isInstanceOf(InvalidDensityException.class)
                .hasMessage("token_density rules[1] (kv_pool): blocks 28-28 outside this model's blocks 0-27")
                .satisfies(e -> assertThat(((InvalidDensityException) e).field()).isEqualTo("token_density.rules[1].blocks"));
        // The same rule fits a deeper model: the contract's reader cannot know the depth, the planner does.
        PixArtConfig deeper = new PixArtConfig(16, 72, 30, 2, 4, 8, 128, 4096, 1152, 1e-6f, 2, true);
        assertThat(DensityPlanner.compile(TokenDensity.fromJson("{\"rules\": [{\"blocks\": 28, \"op\": \"kv_pool\"}]}"),
                LCM4, new TransformerFlops(deeper, 1, new TokenGrid(64, 64), 120)).operator(0, 28)).isEqualTo(kv(2));
    }

    @Test
    void theOfferedPresetsAreTheContractsNamesWithTheSameExperimentalMarks() {
        for (DensityPresetName name : DensityPresetName.values()) {
            DensityPreset preset = DensityPreset.of(name);
            assertThat(preset.offered()).as(name.label()).isTrue();
            assertThat(preset.label()).isEqualTo(name.label());
            assertThat(preset.experimental()).as(name.label()).isEqualTo(name.experimental());
        }
        assertThat(java.util.Arrays.stream(DensityPreset.values()).filter(DensityPreset::offered).map(DensityPreset::label))
                .containsExactlyElementsOf(java.util.Arrays.stream(DensityPresetName.values()).map(DensityPresetName::label)
                        .toList());
    }

    @Test
    void commandLineFormsParse() {
        assertThat(TokenDensity.parse("Balanced")).isEqualTo(new TokenDensity.Preset(DensityPreset.BALANCED));
        assertThat(TokenDensity.parse("0.75")).isEqualTo(new TokenDensity.TargetFraction(0.75));
        assertThatThrownBy(() -> TokenDensity.parse("0.7x")).isInstanceOf(InvalidDensityException.class)
                .hasMessageContaining("neither a preset");
        assertThat(TokenDensity.fromJson((tools.jackson.databind.JsonNode) null)).isEqualTo(TokenDensity.FULL);
    }

    @Test
    void presetsScaleToSmallerModelsAndKeepCoarseOutOfTheLastTwoBlocks() {
        for (int layers : new int[] {2, 3, 6, 12, 28}) {
            for (DensityPreset p : DensityPreset.values()) {
                DensityPlan plan = DensityPlanner.preset(p, LCM4, layers);
                for (int s = 0; s < plan.steps(); s++) {
                    for (int b = Math.max(0, layers - 2); b < layers; b++) {
                        assertThat(plan.operator(s, b)).as(p + " at " + layers + " blocks, step " + s + " block " + b)
                                .isNotInstanceOf(TokenOperator.Coarse.class);
                    }
                }
            }
        }
        // A 12-block model: P1 is the deep half.
        assertThat(DensityPlanner.preset(DensityPreset.HIGH, LCM4, 12).describe().getFirst())
                .isEqualTo("t=999: 0-5 dense, 6-11 kv_pool(s=2,avg)");
    }

    @Test
    void regionalStepsNeverPoolAcrossRegions() {
        TokenGrid grid = new TokenGrid(4, 6);
        // Region 1 is the 2×2-aligned box rows 0-1 × columns 2-3; region 2 is column 5 (not 2-aligned).
        int[] ids = new int[24];
        for (int t = 0; t < 24; t++) {
            int r = t / 6;
            int c = t % 6;
            ids[t] = r < 2 && c >= 2 && c < 4 ? 1 : c == 5 ? 2 : 0;
        }
        assertThat(kv(2).mixesRegions(ids, grid)).isTrue(); // column 4-5 cells hold regions 0 and 2
        assertThat(new TokenOperator.KvPool(2, TokenPooling.NEAREST).mixesRegions(ids, grid)).isFalse();
        assertThat(new TokenOperator.MeanV().mixesRegions(ids, grid)).isTrue();
        int[] aligned = ids.clone();
        for (int t = 0; t < 24; t++) {
            aligned[t] = aligned[t] == 2 ? 0 : aligned[t];
        }
        assertThat(kv(2).mixesRegions(aligned, grid)).isFalse();
        assertThat(new TokenOperator.Coarse(4).mixesRegions(aligned, grid)).isTrue();

        TokenOperator[][] rows = new TokenOperator[2][];
        rows[0] = new TokenOperator[] {kv(2), new TokenOperator.KvPool(2, TokenPooling.NEAREST), new TokenOperator.MeanV()};
        rows[1] = rows[0].clone();
        DensityPlan plan = new DensityPlan("test", new int[] {999, 499}, rows, null);
        DensityPlan safe = plan.respectingRegions(ids, grid, step -> step == 0);
        assertThat(safe.step(0)).containsExactly(TokenOperator.DENSE, new TokenOperator.KvPool(2, TokenPooling.NEAREST),
                TokenOperator.DENSE);
        assertThat(safe.step(1)).containsExactly(rows[1]);
        assertThat(safe.source()).contains("dense where pooling would mix layout regions");
        assertThat(plan.respectingRegions(aligned, grid, step -> false)).isSameAs(plan);
    }

    @Test
    void tilesCutByTheGridEdgeHoldOnlyTheirTokens() {
        TokenGrid grid = new TokenGrid(9, 13);
        assertThat(grid.tiles(4)).isEqualTo(3 * 4);
        assertThat(grid.tokensIn(0, 4)).isEqualTo(16);
        assertThat(grid.tokensIn(3, 4)).isEqualTo(4 * 1);
        assertThat(grid.tokensIn(11, 4)).isEqualTo(1);
        assertThat(grid.tileOf(12, 4)).isEqualTo(3);
        assertThat(grid.tileOf(8 * 13 + 12, 4)).isEqualTo(11);
        int total = 0;
        for (int t = 0; t < grid.tiles(4); t++) {
            total += grid.tokensIn(t, 4);
        }
        assertThat(total).isEqualTo(grid.tokens());
        assertThat(grid.tilePairs(4)).isEqualTo(Arrays.stream(new int[] {16, 16, 16, 4, 16, 16, 16, 4, 4, 4, 4, 1})
                .mapToLong(n -> (long) n * n).sum());
    }
}
