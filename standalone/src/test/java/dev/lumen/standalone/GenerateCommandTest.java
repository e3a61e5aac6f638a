package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.image.PngWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./lumen generate} end to end on the fixture model, reproducing a reference run from the command line. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    private static Path fixture(String path) throws URISyntaxException {
        return Path.of(GenerateCommandTest.class.getResource("/pixart-tiny/" + path).toURI());
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

    @Test
    void reproducesTheReferenceLcmRunAndWritesThePng() throws Exception {
        Path png = dir.resolve("out/x.png");
        Path dump = dir.resolve("dump.safetensors");
        Path golden = fixture("golden/pipeline_lcm4.safetensors");
        int code = LumenCli.execute("generate", "--model", fixture("model").toString(),
                "--transformer", "transformer-noac", "--sampler", "lcm", "--steps", "4", "--guidance", "0",
                "--width", "32", "--height", "32", "--prompt", "A small red fox sitting on a mossy rock at sunrise.",
                "--inputs", golden.toString(), "--out", png.toString(), "--dump", dump.toString());
        assertThat(code).isZero();
        try (TensorSource out = TensorSource.open(dump); TensorSource ref = TensorSource.open(golden)) {
            assertThat(relativeError(out.floats("image"), ref.floats("image")))
                    .isLessThan(1e-4);
            assertThat(relativeError(out.floats("latents_step3"),
                    ref.floats("latents_step3"))).isLessThan(1e-4);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(32);
            float[] pixels = ref.floats("image");
            int rgb = image.getRGB(5, 7);
            assertThat((rgb >> 16) & 0xff).isEqualTo(PngWriter.quantize(pixels[(7 * 32 + 5) * 3]));
        }
        String bytes = new String(Files.readAllBytes(png), StandardCharsets.ISO_8859_1);
        assertThat(bytes).contains("tEXt").contains("sampler").contains("lcm");
    }

    @Test
    void generatesFromAPromptWithSeededNoiseDeterministically() throws Exception {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        for (Path out : new Path[] {a, b}) {
            assertThat(LumenCli.execute("generate", "--model", fixture("model").toString(), "--prompt", "a red circle",
                    "--steps", "2", "--width", "32", "--height", "48", "--seed", "7", "--out", out.toString())).isZero();
        }
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(ImageIO.read(a.toFile()).getHeight()).isEqualTo(48);
    }

    @Test
    void badInputGetsAClearErrorAndNoFile() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            Path out = dir.resolve("never.png");
            assertThat(LumenCli.execute("generate", "--model", dir.resolve("missing").toString(), "--prompt", "x",
                    "--out", out.toString())).isEqualTo(1);
            assertThat(LumenCli.execute("generate", "--model", fixture("model").toString(), "--prompt", "x",
                    "--width", "30", "--height", "32", "--out", out.toString())).isEqualTo(1);
            assertThat(out).doesNotExist();
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing").contains("multiples of 8");
    }

    @Test
    void helpListsTheCommands() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            LumenCli.execute("--help");
        } finally {
            System.setOut(saved);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("generate", "bench", "make-random-model", "serve");
    }
}
