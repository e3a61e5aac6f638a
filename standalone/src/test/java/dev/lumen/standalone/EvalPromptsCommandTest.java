package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./lumen eval prompts} end to end: scoring Java2D renders with known right and wrong
 * answers ({@code --images}), and a generation run on the fixture model that writes its files.
 */
class EvalPromptsCommandTest {
    private static final String DOMAIN = """
            {"version": 1, "width": %d, "height": %d, "background": {"min": 222, "max": 255},
             "colours": {"red": [220,40,40], "orange": [245,140,30], "yellow": [240,210,40], "green": [40,170,60],
                         "cyan": [40,200,220], "blue": [40,70,220], "purple": [140,50,190], "black": [30,30,30]},
             "shapes": ["circle", "square", "triangle"],
             "sizes": {"small": [%s,%s], "medium": [%s,%s], "large": [%s,%s]},
             "grid": 3, "jitter": 3}
            """;

    private static final String PROMPTS = """
            {"version": 1, "prompts": [
              {"id": "one-000", "group": "one", "caption": "a large red circle in the top left", "seed": 1000,
               "objects": [{"colour": "red", "shape": "circle", "size": "large", "cell": [0,0]}], "relations": []},
              {"id": "one-001", "group": "one", "caption": "a small blue square in the center", "seed": 1001,
               "objects": [{"colour": "blue", "shape": "square", "size": "small", "cell": [1,1]}], "relations": []},
              {"id": "two-000", "group": "two", "caption": "a red triangle in the top right and a green circle in the bottom left",
               "seed": 1002, "objects": [{"colour": "red", "shape": "triangle", "size": null, "cell": [0,2]},
                                         {"colour": "green", "shape": "circle", "size": null, "cell": [2,0]}], "relations": []},
              {"id": "rel-000", "group": "relation", "caption": "a blue square above a yellow triangle", "seed": 1003,
               "objects": [{"colour": "blue", "shape": "square", "size": null, "cell": null},
                           {"colour": "yellow", "shape": "triangle", "size": null, "cell": null}],
               "relations": [{"subject": 0, "relation": "above", "object": 1}]},
              {"id": "cnt-000", "group": "count", "caption": "two red circles", "seed": 1004,
               "objects": [{"colour": "red", "shape": "circle", "size": null, "cell": null},
                           {"colour": "red", "shape": "circle", "size": null, "cell": null}], "relations": []}
            ]}
            """;

    @TempDir
    Path dir;

    private Path evalSet(int width, int height) throws Exception {
        Path set = dir.resolve("eval");
        Files.createDirectories(set);
        double s = width / 64.0;
        Files.writeString(set.resolve("domain.json"), DOMAIN.formatted(width, height, 5 * s, 6.5 * s, 8 * s, 9.5 * s,
                11 * s, 13 * s));
        Files.writeString(set.resolve("prompts.json"), PROMPTS);
        return set;
    }

    private record Shape(Color colour, String kind, double half, double cx, double cy) {
    }

    private static final Color RED = new Color(220, 40, 40);
    private static final Color BLUE = new Color(40, 70, 220);
    private static final Color GREEN = new Color(40, 170, 60);
    private static final Color YELLOW = new Color(240, 210, 40);

    /** Renders shapes in domain geometry (64×64, cell centres at 10.7, 32 and 53.3) with Java2D, antialiased. */
    private static void png(Path file, List<Shape> shapes) throws Exception {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(238, 236, 245));
        g.fillRect(0, 0, 64, 64);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        for (Shape s : shapes) {
            g.setColor(s.colour());
            double h = s.half();
            g.fill(switch (s.kind()) {
                case "circle" -> new Ellipse2D.Double(s.cx() - h, s.cy() - h, 2 * h, 2 * h);
                case "square" -> new Rectangle2D.Double(s.cx() - h, s.cy() - h, 2 * h, 2 * h);
                default -> {
                    Path2D.Double p = new Path2D.Double();
                    p.moveTo(s.cx(), s.cy() - 4 * h / 3);
                    p.lineTo(s.cx() + h, s.cy() + 2 * h / 3);
                    p.lineTo(s.cx() - h, s.cy() + 2 * h / 3);
                    p.closePath();
                    yield p;
                }
            });
        }
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LumenCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void scoresExistingImagesWithExactlyTheExpectedResults() throws Exception {
        Path set = evalSet(64, 64);
        Path images = dir.resolve("renders");
        png(images.resolve("one-000.png"), List.of(new Shape(RED, "circle", 12, 10.7, 10.7)));
        // Asked for the centre, drawn in the bottom right: only the position is wrong.
        png(images.resolve("one-001.png"), List.of(new Shape(BLUE, "square", 6, 53.3, 53.3)));
        png(images.resolve("two-000.png"), List.of(new Shape(RED, "triangle", 9, 53.3, 10.7),
                new Shape(GREEN, "circle", 8.5, 10.7, 53.3)));
        png(images.resolve("rel-000.png"), List.of(new Shape(BLUE, "square", 8, 32, 10.7),
                new Shape(YELLOW, "triangle", 9, 32, 53.3)));
        // Two asked for, three drawn: the objects are right, the count is not.
        png(images.resolve("cnt-000.png"), List.of(new Shape(RED, "circle", 7, 10.7, 32), new Shape(RED, "circle", 7, 53.3, 32),
                new Shape(RED, "circle", 7, 32, 53.3)));
        Path out = dir.resolve("out");
        Run r = run("eval", "prompts", "--eval-set", set.toString(), "--images", images.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("| group    | n |            colour |          position |")
                .contains("| one      | 2 | 1.00 [1.00, 1.00] | 0.50 [0.00, 1.00] | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] "
                        + "| 1.00 [1.00, 1.00] | 0.50 [0.00, 1.00] | 0.50 [0.00, 1.00] |     - |")
                .contains("| two      | 1 | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] |                 - |")
                .contains("| relation | 1 | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] |")
                .contains("| count    | 1 | 1.00 [1.00, 1.00] |                 - | 1.00 [1.00, 1.00] |                 - "
                        + "| 0.00 [0.00, 0.00] | 1.00 [1.00, 1.00] | 0.00 [0.00, 0.00] |")
                .contains("| all      | 5 |");
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.getFirst()).isEqualTo("id,group,seed,caption,colour,position,shape,size,count,obj_ok,all_ok,seconds,blobs");
        assertThat(csv.get(1)).startsWith("one-000,one,1000,a large red circle in the top left,1,1,1,1,1,1,1,,");
        assertThat(csv.get(2)).startsWith("one-001,one,1001,a small blue square in the center,1,0,1,1,1,0,0,,");
        assertThat(csv.get(5)).startsWith("cnt-000,count,1004,two red circles,1,,1,,0,1,0,,");
        JsonNode json = JsonMapper.builder().build().readTree(out.resolve("results.json").toFile());
        JsonNode all = json.get("summary").get(4);
        assertThat(all.get("group").asString()).isEqualTo("all");
        assertThat(all.get("all_ok").get("mean").asDouble()).isEqualTo(0.6);
        assertThat(all.get("position").get("n").asInt()).isEqualTo(4);
        assertThat(json.get("images").get(0).get("matched").get(0).get("size").asString()).isEqualTo("large");
        BufferedImage grid = ImageIO.read(out.resolve("grid.png").toFile());
        assertThat(grid.getWidth()).isGreaterThan(5 * 128);
    }

    @Test
    void generatesWithTheFixtureModelAndWritesImagesResultsAndGrid() throws Exception {
        Path set = evalSet(32, 32);
        Path out = dir.resolve("gen");
        Path grid = dir.resolve("look/grid.png");
        Run r = run("eval", "prompts", "--model", fixtureModel().toString(), "--eval-set", set.toString(),
                "--steps", "2", "--guidance", "0", "--limit", "1", "--group", "one,count", "--out", out.toString(),
                "--grid", grid.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("dpm-solver 2 steps").contains("2 prompts at 32×32")
                .contains("| group | n |").contains("| s/img |").containsPattern("\\| one +\\| 1 \\|")
                .containsPattern("\\| count +\\| 1 \\|").containsPattern("\\| all +\\| 2 \\|.* [0-9]+\\.[0-9]{2} \\|");
        BufferedImage image = ImageIO.read(out.resolve("images/one-000.png").toFile());
        assertThat(image.getWidth()).isEqualTo(32);
        assertThat(image.getHeight()).isEqualTo(32);
        assertThat(out.resolve("images/cnt-000.png")).exists();
        assertThat(out.resolve("images/one-001.png")).doesNotExist();
        assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(3);
        JsonNode json = JsonMapper.builder().build().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("settings").get("steps").asInt()).isEqualTo(2);
        assertThat(json.get("images").get(0).get("seconds").asDouble()).isPositive();
        assertThat(ImageIO.read(grid.toFile()).getWidth()).isEqualTo(2 * (128 + 14));
    }

    @Test
    void explainsWhatIsMissing() throws Exception {
        // (Without --model the bundled demo model is used, which ./lumen test finds through LUMEN_HOME.)
        Path missing = dir.resolve("no-such-model");
        Run noModel = run("eval", "prompts", "--model", missing.toString(), "--out", dir.resolve("x").toString());
        assertThat(noModel.code()).isEqualTo(1);
        assertThat(noModel.err()).contains(missing.toString());
        Path set = evalSet(64, 64);
        Run noImage = run("eval", "prompts", "--eval-set", set.toString(), "--images", dir.resolve("empty").toString(),
                "--out", dir.resolve("x").toString());
        assertThat(noImage.code()).isEqualTo(1);
        assertThat(noImage.err()).contains("missing image").contains("one-000.png");
        Run badGroup = run("eval", "prompts", "--eval-set", set.toString(), "--images", dir.toString(), "--group", "three");
        assertThat(badGroup.err()).contains("no prompt is in group \"three\"");
        Run parent = run("eval");
        assertThat(parent.code()).isEqualTo(2);
        assertThat(parent.err()).contains("prompts");
    }

    private static Path fixtureModel() throws URISyntaxException {
        return Path.of(EvalPromptsCommandTest.class.getResource("/pixart-tiny/model").toURI());
    }
}
