package dev.lumen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.density.DensityPlan;
import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TokenDensity;
import dev.lumen.engine.density.TokenOperator;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.LayoutJson;
import dev.lumen.engine.layout.RegionMap;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A request carrying both a layout and a reduced token-density plan (layout.md §3.7, ADR 0009):
 * at regional steps (t ≥ until_t) no operator pools across region ids, coarse blocks and, under
 * regional self-attention, every pooled block run dense; the other steps keep the plan. Tiny
 * model, LCM 4 steps with CFG at 64×64 (a 4×4 token grid), the regional golden's noise.
 */
class RegionalDensityPipelineTest {
    private static final String ALL_KV_POOL = "{\"rules\": [{\"op\": \"kv_pool\", \"s\": 2}]}";
    /** Uniform self-attention in every block: a change far above rounding where it runs. */
    private static final String ALL_MEAN_V = "{\"rules\": [{\"op\": \"mean_v\", \"experimental\": true}]}";
    /** Same operations, same inputs: equal up to the CPU backend's run-to-run rounding. */
    private static final double SAME_RUN_TOLERANCE = 1e-5;

    private static ModelFolder folder() {
        return ModelFolder.open(Fixtures.model(), "transformer-noac", "scheduler-lcm");
    }

    private static PipelineInputs noise(TensorSource golden) {
        PipelineInputs all = PipelineInputs.read(golden);
        Map<String, HostTensor> chosen = new LinkedHashMap<>();
        for (String name : all.names()) {
            if (name.equals("latents_init") || name.startsWith("noise_step")) {
                chosen.put(name, all.get(name).orElseThrow());
            }
        }
        return new PipelineInputs(chosen);
    }

    private static GenerationRequest request(RegionalLayout layout, PipelineInputs inputs, TokenDensity density) {
        return GenerationRequest.withLayout(layout, 1, "", 4, 4.5, 64, 64, 0, inputs).withTokenDensity(density);
    }

    @Test
    void aLayoutRunWithAReducedPlanIsDenseAtRegionalStepsAndReducedAfter() {
        // Regional at the first LCM step only (t=999), so a reduced step follows while the image still forms.
        RegionalLayout layout = LayoutJson.read(RegionalPipelineGoldenTest.layoutFile())
                .withControl(new RegionalLayout.Control(0.8, 800, true, RegionalLayout.Overlap.SMALLEST_WINS));
        int untilT = layout.control().untilT();
        try (Ops ops = new CpuOps(); TensorSource golden = Fixtures.golden(RegionalPipelineGoldenTest.GOLDEN);
             PixArtPipeline pipeline = PixArtPipeline.load(folder(), ops)) {
            PipelineInputs inputs = noise(golden);
            GenerationResult layoutOnly = pipeline.generate(request(layout, inputs, TokenDensity.FULL));
            GenerationResult both = pipeline.generate(request(layout, inputs, TokenDensity.fromJson(ALL_MEAN_V)));
            GenerationResult planOnly = pipeline.generate(new GenerationRequest(List.of(layout.caption()), "", 4, 4.5, 64,
                    64, 0, inputs, TokenDensity.fromJson(ALL_MEAN_V)));

            DensityPlan plan = both.density().plan();
            // Planning alone (what a worker checks before it starts a job) gives the plan and FLOPs the run reports.
            for (GenerationResult ran : List.of(both, planOnly)) {
                GenerationRequest asked = ran == both ? request(layout, inputs, TokenDensity.fromJson(ALL_MEAN_V))
                        : new GenerationRequest(List.of(layout.caption()), "", 4, 4.5, 64, 64, 0, inputs,
                                TokenDensity.fromJson(ALL_MEAN_V));
                DensityReport planned = pipeline.planDensity(asked);
                assertThat(planned.plan().describe()).isEqualTo(ran.density().plan().describe());
                assertThat(planned.plan().source()).isEqualTo(ran.density().plan().source());
                assertThat(planned.transformerFlops()).isEqualTo(ran.density().transformerFlops());
                assertThat(planned.denseTransformerFlops()).isEqualTo(ran.density().denseTransformerFlops());
            }
            assertThat(both.density().plan().describe()).isNotEqualTo(planOnly.density().plan().describe());
            int regionalSteps = 0;
            for (int s = 0; s < plan.steps(); s++) {
                boolean regional = both.timesteps()[s] >= untilT;
                regionalSteps += regional ? 1 : 0;
                for (int b = 0; b < plan.layers(); b++) {
                    TokenOperator expected = regional ? TokenOperator.DENSE : new TokenOperator.MeanV();
                    assertThat(plan.operator(s, b)).as("step %d (t=%d) block %d", s, both.timesteps()[s], b).isEqualTo(expected);
                    // Without a layout the same request pools everywhere.
                    assertThat(planOnly.density().plan().operator(s, b)).isEqualTo(new TokenOperator.MeanV());
                }
                float[] withPlan = both.latentsPerStep().get(s).values();
                float[] dense = layoutOnly.latentsPerStep().get(s).values();
                if (regional) {
                    // Through the regional steps the run is the layout run.
                    assertThat(Fixtures.relativeError(withPlan, dense)).as("latents after regional step %d", s)
                            .isLessThan(SAME_RUN_TOLERANCE);
                }
            }
            assertThat(regionalSteps).as("regional steps of LCM-4 at until_t=" + untilT).isBetween(1, plan.steps() - 1);
            assertThat(both.density().fraction()).isLessThan(1.0).isGreaterThan(planOnly.density().fraction());
            // The first step after the regional ones ran the mean_v blocks.
            assertThat(Fixtures.relativeError(both.latentsPerStep().get(regionalSteps).values(),
                    layoutOnly.latentsPerStep().get(regionalSteps).values())).isGreaterThan(10 * SAME_RUN_TOLERANCE);
            float[] last = both.latentsPerStep().getLast().values();
            for (float v : last) {
                assertThat(Float.isFinite(v)).isTrue();
            }
            assertThat(both.density().plan().source()).contains("dense where");
            // mean_v is an experimental op: the run says so among its warnings; the dense run does not.
            assertThat(both.density().plan().experimental()).isTrue();
            assertThat(both.warnings()).contains("token density rules are experimental: token_density rules[0] (mean_v) runs an op "
                    + "that needs \"experimental\": true (no fidelity measured)");
            assertThat(layoutOnly.density().plan().experimental()).isFalse();
            assertThat(layoutOnly.warnings()).noneMatch(w -> w.contains("experimental"));
        }
    }

    @Test
    void withCrossAttentionOnlyRegionPurePoolingSurvivesRegionalSteps() {
        // The left half of a 4×4 grid: 2×2 cells are region-pure, the 4×4 cell is not.
        RegionalLayout layout = LayoutJson.parse("""
                {"caption": "a red square on the left", "regions": [{"box": [0, 0, 0.5, 1], "caption": "a red square"}],
                 "control": {"strength": 0.8, "until_t": 600, "self_attention": false}}""");
        TokenGrid grid = new TokenGrid(4, 4);
        RegionMap map = RegionMap.of(layout.boxes(), 4, 4);
        TokenOperator pure = new TokenOperator.KvPool(2, TokenPooling.AVG);
        TokenOperator mixing = new TokenOperator.KvPool(4, TokenPooling.AVG);
        TokenOperator coarse = new TokenOperator.Coarse(2);
        int[] timesteps = {999, 759, 499, 259};
        TokenOperator[][] rows = new TokenOperator[4][];
        for (int s = 0; s < 4; s++) {
            rows[s] = new TokenOperator[] {pure, mixing, coarse};
        }
        DensityPlan plan = PixArtPipeline.regionalPlan(new DensityPlan("test", timesteps, rows, null), layout, map, timesteps, grid);
        for (int s = 0; s < 4; s++) {
            boolean regional = timesteps[s] >= 600;
            assertThat(plan.step(s)).as("step %d", s).containsExactly(regional
                    ? new TokenOperator[] {pure, TokenOperator.DENSE, TokenOperator.DENSE}
                    : new TokenOperator[] {pure, mixing, coarse});
        }
        // The same plan under regional self-attention: every pooled block is dense at regional steps.
        RegionalLayout selfToo = layout.withControl(new RegionalLayout.Control(0.8, 600, true,
                RegionalLayout.Overlap.SMALLEST_WINS));
        DensityPlan strict = PixArtPipeline.regionalPlan(new DensityPlan("test", timesteps, rows, null), selfToo, map, timesteps, grid);
        assertThat(strict.step(0)).containsOnly(TokenOperator.DENSE);
        assertThat(strict.step(3)).containsExactly(pure, mixing, coarse);

        // End to end: a region-pure kv_pool block with regional cross-attention at the regional steps.
        try (Ops ops = new CpuOps(); TensorSource golden = Fixtures.golden(RegionalPipelineGoldenTest.GOLDEN);
             PixArtPipeline pipeline = PixArtPipeline.load(folder(), ops)) {
            PipelineInputs inputs = noise(golden);
            GenerationResult layoutOnly = pipeline.generate(request(layout, inputs, TokenDensity.FULL));
            GenerationResult both = pipeline.generate(request(layout, inputs, TokenDensity.fromJson(ALL_KV_POOL)));
            for (int s = 0; s < both.timesteps().length; s++) {
                for (int b = 0; b < both.density().plan().layers(); b++) {
                    assertThat(both.density().plan().operator(s, b)).isEqualTo(pure);
                }
            }
            assertThat(both.density().plan().experimental()).as("kv_pool rules").isFalse();
            assertThat(both.warnings()).noneMatch(w -> w.contains("experimental"));
            // Pooling ran at the first (regional) step already.
            assertThat(Fixtures.relativeError(both.latentsPerStep().getFirst().values(),
                    layoutOnly.latentsPerStep().getFirst().values())).isGreaterThan(1e-5);
        }
    }
}
