package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.eval.Domain;
import dev.lumen.eval.EvalPrompt;
import dev.lumen.eval.ImageScore;
import dev.lumen.eval.ShapeKind;
import dev.lumen.eval.ShapeScorer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled demo models (the distilled default, 4 LCM steps, and the DPM-Solver one, 20 steps)
 * draw what the README's first command asks for: a red shape in the top left cell, checked with the
 * coloured-shapes scorer (not by comparing pixels, so retraining the models does not break the test
 * as long as they still draw the prompt).
 */
class DemoModelDrawsTest {
    /** The DPM-Solver demo model, which other tests run at chosen step counts. */
    static final Path DEMO = Path.of("../models").resolve(BundledModels.DEMO_NAME).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {BundledModels.DEMO_LCM_NAME, BundledModels.DEMO_NAME})
    void aLargeRedCircleInTheTopLeft(String name) throws Exception {
        Path demo = Path.of("../models").resolve(name).toAbsolutePath().normalize();
        Path png = dir.resolve("x.png");
        assertThat(LumenCli.execute("generate", "--model", demo.toString(), "--prompt", "a large red circle in the top left",
                "--out", png.toString())).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(64);
        Domain domain = Domain.load(demo.resolve("eval/domain.json"));
        EvalPrompt prompt = new EvalPrompt("readme", "one", "a large red circle in the top left", 0,
                List.of(new EvalPrompt.ExpectedObject("red", ShapeKind.CIRCLE, "large", new EvalPrompt.Cell(0, 0))), List.of());
        ImageScore score = new ShapeScorer(domain).score(image, prompt);
        assertThat(score.colour()).as("red is drawn").isEqualTo(1.0);
        assertThat(score.position()).as("in the top left cell").isEqualTo(1.0);
        assertThat(Files.size(png)).isPositive();
    }
}
