package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.LayoutJson;
import dev.lumen.engine.layout.RegionalLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code ./lumen generate --layout}: the regional pipeline golden reproduced from the command line
 * (layout file + the reference's initial latents and noise; prompt and region captions go through
 * the tokenizer and T5), on both backends; {@code --layout auto} through the planner seam; bad
 * layouts rejected before any model loads.
 */
class GenerateLayoutCommandTest {
    private static final String GOLDEN = "golden/regional_pipeline_lcm4_cfg.safetensors";

    @TempDir
    Path dir;

    private static Path resource(String path) throws URISyntaxException {
        return Path.of(GenerateLayoutCommandTest.class.getResource("/" + path).toURI());
    }

    private static double relativeError(float[] out, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            num += Math.pow((double) out[i] - ref[i], 2);
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** The golden's latents_init and noise_step{i} only, so the run encodes its captions itself. */
    private Path noiseOnly() throws Exception {
        Path file = dir.resolve("noise.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (TensorSource golden = TensorSource.open(resource("pixart-tiny/" + GOLDEN))) {
            for (String name : golden.names()) {
                if (name.equals("latents_init") || name.startsWith("noise_step")) {
                    long[] shape = java.util.Arrays.stream(golden.info(name).intShape()).asLongStream().toArray();
                    w.add(name, DType.F32, golden.floats(name), shape);
                }
            }
        }
        w.write(file);
        return file;
    }

    private List<String> args(String layout, Path inputs, Path png, Path dump, String backend) throws Exception {
        List<String> a = new ArrayList<>(List.of("generate", "--model", resource("pixart-tiny/model").toString(),
                "--transformer", "transformer-noac", "--sampler", "lcm", "--steps", "4", "--guidance", "4.5",
                "--width", "64", "--height", "64", "--layout", layout, "--out", png.toString(), "--backend", backend));
        if (inputs != null) {
            a.addAll(List.of("--inputs", inputs.toString()));
        }
        if (dump != null) {
            a.addAll(List.of("--dump", dump.toString()));
        }
        return a;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "vulkan"})
    void reproducesTheRegionalReferenceRunFromALayoutFile(String backend) throws Exception {
        Path png = dir.resolve("layout.png");
        Path dump = dir.resolve("dump.safetensors");
        String layout = resource("layouts/regional_pipeline_lcm4_cfg.json").toString();
        assertThat(LumenCli.execute(args(layout, noiseOnly(), png, dump, backend).toArray(String[]::new))).isZero();
        try (TensorSource out = TensorSource.open(dump); TensorSource ref = TensorSource.open(resource("pixart-tiny/" + GOLDEN))) {
            for (String name : List.of("latents_step0", "latents_step1", "latents_step3", "image")) {
                double err = relativeError(out.floats(name), ref.floats(name));
                System.out.printf("generate --layout (%s) %s relative error %.2e%n", backend, name, err);
                assertThat(err).as(name).isLessThan(1e-4);
            }
            // Not the plain run: the layout changed the result far beyond the tolerance.
            assertThat(relativeError(out.floats("latents_step3"), ref.floats("plain_latents_step3"))).isGreaterThan(1e-2);
        }
        String bytes = new String(Files.readAllBytes(png), StandardCharsets.ISO_8859_1);
        assertThat(bytes).contains("layout").contains("a golden lamp").contains("smallest-wins");
    }

    @Test
    void layoutAutoAsksThePlannerForTheLayoutOfThePrompt() throws Exception {
        RegionalLayout golden = LayoutJson.read(resource("layouts/regional_pipeline_lcm4_cfg.json"));
        List<String> asked = new ArrayList<>();
        LayoutPlanning planner = (prompt, width, height) -> {
            asked.add(prompt + " @ " + width + "×" + height);
            return golden;
        };
        Path png = dir.resolve("auto.png");
        Path dump = dir.resolve("auto.safetensors");
        List<String> a = args("auto", noiseOnly(), png, dump, "cpu");
        a.remove(0); // the subcommand name: this runs GenerateCommand directly
        a.addAll(List.of("--prompt", golden.caption()));
        int code = new CommandLine(new GenerateCommand(planner)).execute(a.toArray(String[]::new));
        assertThat(code).isZero();
        assertThat(asked).containsExactly(golden.caption() + " @ 64×64");
        try (TensorSource out = TensorSource.open(dump); TensorSource ref = TensorSource.open(resource("pixart-tiny/" + GOLDEN))) {
            assertThat(relativeError(out.floats("image"), ref.floats("image"))).isLessThan(1e-4);
        }
    }

    @Test
    void theRulePlannerLaysOutThePromptInProcess() {
        RegionalLayout planned = LayoutPlanning.RULE_PLANNER.plan("a red ball to the left of a blue cube", 64, 64);
        assertThat(planned.caption()).isEqualTo("a red ball to the left of a blue cube");
        assertThat(planned.regions()).hasSize(2);
        // left of: the first region's box lies left of the second's
        assertThat(planned.boxes().get(0).x1()).isLessThanOrEqualTo(planned.boxes().get(1).x0() + 1e-9);
    }

    @Test
    void badLayoutsAreRejectedWithTheFieldAndNoImage() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"caption": "two cats", "regions": [{"box": [0.5, 0.1, 0.2, 0.9], "caption": "a cat"}]}""");
        Path other = dir.resolve("other.json");
        Files.writeString(other, """
                {"caption": "two cats", "regions": [{"box": [0.1, 0.1, 0.4, 0.9], "caption": "a cat"}]}""");
        Path png = dir.resolve("never.png");
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(LumenCli.execute(args(bad.toString(), null, png, null, "cpu").toArray(String[]::new))).isEqualTo(1);
            List<String> mismatch = args(other.toString(), null, png, null, "cpu");
            mismatch.addAll(List.of("--prompt", "three dogs"));
            assertThat(LumenCli.execute(mismatch.toArray(String[]::new))).isEqualTo(1);
            assertThat(LumenCli.execute(args("auto", null, png, null, "cpu").toArray(String[]::new))).isEqualTo(1);
            List<String> auto = args("auto", null, png, null, "cpu");
            auto.addAll(List.of("--prompt", "qwzx vrbl"));
            assertThat(LumenCli.execute(auto.toArray(String[]::new))).isEqualTo(1);
        } finally {
            System.setErr(saved);
        }
        assertThat(png).doesNotExist();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("regions[0].box: in " + bad)
                .contains("--prompt differs from the caption")
                .contains("--layout auto needs --prompt")
                .contains("--layout auto: found nothing to place in the prompt");
    }
}
