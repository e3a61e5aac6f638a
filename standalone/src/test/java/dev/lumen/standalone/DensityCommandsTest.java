package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.pipeline.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./lumen generate --token-density} and {@code ./lumen bench density} on the fixture model, and the bench's image metrics. */
class DensityCommandsTest {
    @TempDir
    Path dir;

    private static Path model() throws URISyntaxException {
        return Path.of(DensityCommandsTest.class.getResource("/pixart-tiny/model").toURI());
    }

    /** Runs a command line, returning {exit code, stdout, stderr}. */
    private static String[] run(String... args) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = LumenCli.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void generatePrintsThePlanAndItsFlopFraction() throws Exception {
        Path png = dir.resolve("balanced.png");
        String[] r = run("generate", "--model", model().toString(), "--sampler", "lcm", "--prompt", "a red circle",
                "--width", "64", "--height", "48", "--token-density", "balanced", "--out", png.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(png).exists();
        assertThat(r[2]).contains("token density preset balanced: ", "in the transformer (fraction 0.8",
                "t=999: 0-1 kv_pool(s=2,avg)", "t=259: 0 dense, 1 kv_pool(s=2,avg)");
    }

    @Test
    void anExperimentalPresetGetsOneWarningLineAndTheDenseModelNone() throws Exception {
        String[] high = run("generate", "--model", model().toString(), "--sampler", "lcm", "--prompt", "a red circle",
                "--width", "32", "--height", "32", "--token-density", "high", "--out", dir.resolve("high.png").toString());
        assertThat(high[0]).as(high[2]).isEqualTo("0");
        assertThat(high[2].lines().filter(l -> l.contains("experimental")))
                .containsExactly("lumen generate: warning: token density preset high is experimental: it missed its "
                        + "quality bar on the demo model (docs/adr/0009-token-density-operators-and-plans.md)");
        // A fraction that picks an experimental preset says which one it ran.
        String[] fraction = run("generate", "--model", model().toString(), "--sampler", "lcm", "--prompt", "a red circle",
                "--width", "32", "--height", "32", "--token-density", "0.1", "--out", dir.resolve("f.png").toString());
        assertThat(fraction[0]).as(fraction[2]).isEqualTo("0");
        assertThat(fraction[2]).containsPattern("lumen generate: warning: token density fraction 0\\.100 → preset "
                + "(high|balanced|low) is experimental: it missed its quality bar");
        for (String dense : new String[] {"full", "1"}) {
            String[] r = run("generate", "--model", model().toString(), "--sampler", "lcm", "--prompt", "a red circle",
                    "--width", "32", "--height", "32", "--token-density", dense, "--out", dir.resolve("full.png").toString());
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[2]).as(dense).doesNotContain("experimental").doesNotContain("warning");
        }
    }

    @Test
    void generateTakesARulesFile() throws Exception {
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, """
                {"rules": [{"t": [500, 1000], "blocks": "0-1", "op": "kv_pool", "s": 4, "mode": "nearest"},
                           {"t": [0, 500], "blocks": "1", "op": "kv_pool_local", "s": 2, "window": 2}]}""");
        String[] r = run("generate", "--model", model().toString(), "--sampler", "lcm", "--prompt", "a red circle",
                "--width", "64", "--height", "64", "--token-density", rules.toString(), "--out",
                dir.resolve("rules.png").toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2]).contains("token density 2 rules: ", "t=999: 0-1 kv_pool(s=4,nearest)",
                "t=259: 0 dense, 1 kv_pool_local(s=2,window=2)");
    }

    @Test
    void aBadTokenDensityNamesTheProblemAndWritesNothing() throws Exception {
        Path png = dir.resolve("never.png");
        String[] r = run("generate", "--model", model().toString(), "--prompt", "x", "--width", "32", "--height", "32",
                "--token-density", "turbo", "--out", png.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("token_density \"turbo\" is not a preset; use one of full, high, balanced, low, minimal");
        Path rules = dir.resolve("bad.json");
        Files.writeString(rules, "{\"rules\": [{\"op\": \"coarse\", \"blocks\": \"0-1\"}]}");
        r = run("generate", "--model", model().toString(), "--prompt", "x", "--width", "32", "--height", "32",
                "--token-density", rules.toString(), "--out", png.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("token_density rules[0] (coarse): coarse is not allowed in the last 2 blocks");
        assertThat(png).doesNotExist();
    }

    @Test
    void benchDensityPrintsEveryPlanAndTheAnalyticTable() throws Exception {
        String[] r = run("bench", "density", "--model", model().toString(), "--sampler", "lcm", "--size", "32",
                "--prompts", "2", "--warmup", "dense");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        String out = r[1];
        assertThat(out).contains("backend cpu (", "| dense                    |     4 |    1.000 |    1.000 |");
        // Every preset but full missed its quality bar: its rows, and its mirror's, say so.
        for (String row : new String[] {"high (exp.)", "balanced (exp.)", "balanced-mirror (exp.)", "low (exp.)",
                "low-mirror (exp.)", "minimal (exp.)", "minimal-mirror (exp.)", "dense 3 steps", "dense 2 steps",
                "dense, other seed"}) {
            assertThat(out).contains(String.format("| %-24s |", row));
        }
        assertThat(out).contains("Analytic transformer FLOPs of PixArt-XL-2", "| high                     |     0.939 |     0.912 |     0.840 |");
        // Two different seeds give different images: the seed row must be far below the plans' fidelity.
        String seedRow = out.lines().filter(l -> l.startsWith("| dense, other seed")).findFirst().orElseThrow();
        double seedPsnr = Double.parseDouble(seedRow.split("\\|")[8].strip());
        assertThat(seedPsnr).isLessThan(25);
    }

    @Test
    void benchDensityScoresAdherenceOnTheDemoModelsEvalSet() throws Exception {
        // The demo model carries eval/domain.json and eval/prompts.json: every row gets obj_ok, and
        // each plan its paired change against dense with an interval.
        String[] r = run("bench", "density", "--model", DemoModelDrawsTest.DEMO.toString(), "--steps", "6",
                "--prompts", "3", "--presets", "balanced", "--fewer-steps", "3", "--warmup", "none");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        String dense = r[1].lines().filter(l -> l.startsWith("| dense                    |")).findFirst().orElseThrow();
        assertThat(dense.split("\\|")[12].strip()).matches("\\d+\\.\\d");
        String balanced = r[1].lines().filter(l -> l.startsWith("| balanced (exp.)          |")).findFirst().orElseThrow();
        assertThat(balanced.split("\\|")[12].strip()).matches("\\d+\\.\\d \\([+-]\\d+\\.\\d \\[[+-]\\d+\\.\\d, [+-]\\d+\\.\\d\\]\\)");
    }

    @Test
    void benchPromptsAreTakenRoundRobinOverTheEvalGroups() {
        java.util.List<dev.lumen.eval.EvalPrompt> prompts = dev.lumen.eval.EvalSet.load(DemoModelDrawsTest.DEMO.resolve("eval"))
                .prompts();
        java.util.List<String> groups = DensityBenchCommand.roundRobinOverGroups(prompts, 8).stream()
                .map(dev.lumen.eval.EvalPrompt::group).toList();
        java.util.List<String> distinct = groups.stream().distinct().toList();
        assertThat(distinct).hasSizeGreaterThan(3);
        // Every group once before any group twice.
        assertThat(groups.subList(0, distinct.size())).doesNotHaveDuplicates();
        assertThat(DensityBenchCommand.roundRobinOverGroups(prompts, 1000)).hasSameSizeAs(prompts);
    }

    private static HostTensor image(int h, int w, java.util.function.IntToDoubleFunction value) {
        float[] v = new float[h * w * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) value.applyAsDouble(i);
        }
        return new HostTensor(v, new int[] {h, w, 3});
    }

    @Test
    void imageMetricsOnKnownImages() {
        HostTensor ref = image(16, 20, i -> ((i / 3) % 20 + (i / 60)) % 2 == 0 ? 0.2 : 0.8); // checkerboard
        assertThat(ImageMetrics.psnr(ref, ref)).isInfinite();
        assertThat(ImageMetrics.ssim(ref, ref)).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ImageMetrics.highFrequencyRatio(ref, ref)).isEqualTo(1.0);
        // Every byte one level higher: MSE 1, PSNR = 20·log10(255).
        HostTensor shifted = image(16, 20, i -> ref.values()[i] + 1 / 255.0);
        assertThat(ImageMetrics.psnr(shifted, ref)).isCloseTo(48.1308, org.assertj.core.data.Offset.offset(1e-3));
        // A flat image has no detail and little structure in common with the checkerboard.
        HostTensor flat = image(16, 20, i -> 0.5);
        assertThat(ImageMetrics.highFrequencyRatio(flat, ref)).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ImageMetrics.ssim(flat, ref)).isLessThan(0.1);
    }
}
