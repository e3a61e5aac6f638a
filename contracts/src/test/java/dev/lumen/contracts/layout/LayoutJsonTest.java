package dev.lumen.contracts.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.Messages;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** Reading untrusted layout JSON: what is accepted as is, and the exact field and message of every refusal. */
class LayoutJsonTest {
    static final String FULL = """
            {"caption": "three red apples on a wooden table, a blue vase on the right",
             "background": "a wooden table in a bright kitchen",
             "regions": [
               {"box": [0.08, 0.52, 0.26, 0.74], "caption": "a red apple", "id": "apple-1"},
               {"box": [0.70, 0.20, 0.92, 0.74], "caption": "a blue vase"},
               {"box": [0.00, 0.62, 1.00, 1.00], "caption": "a wooden table"}],
             "control": {"strength": 0.8, "until_t": 600, "self_attention": true, "overlap": "smallest-wins"}}""";

    static JsonNode json(String text) {
        return Messages.json().readTree(text);
    }

    static Layout read(String text) {
        return LayoutJson.read(json(text), "layout", LayoutLimits.DEFAULT, null);
    }

    static List<LayoutProblem> problems(String text) {
        try {
            read(text);
        } catch (InvalidLayoutException e) {
            return e.problems();
        }
        throw new AssertionError("accepted: " + text);
    }

    /** A layout whose only region has the given box. */
    static String withBox(String box) {
        return "{\"caption\": \"c\", \"regions\": [{\"box\": " + box + ", \"caption\": \"a mug\"}]}";
    }

    @Test
    void readsEveryFieldOfAValidLayout() {
        Layout layout = read(FULL);
        assertThat(layout.caption()).startsWith("three red apples");
        assertThat(layout.background()).isEqualTo("a wooden table in a bright kitchen");
        assertThat(layout.regions()).hasSize(3);
        assertThat(layout.regions().getFirst()).isEqualTo(new Region(new Box(0.08, 0.52, 0.26, 0.74), "a red apple", "apple-1"));
        assertThat(layout.regions().get(2).box().area()).isCloseTo(0.38, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(layout.control()).isEqualTo(new Control(0.8, 600, true, Overlap.SMALLEST_WINS));
        // Written back, it is the same JSON (boxes as arrays, snake-case knobs).
        assertThat(LayoutJson.toTree(layout)).isEqualTo(json(FULL));
    }

    @Test
    void aMissingCaptionIsTheFallbackOrAnError() {
        String noCaption = "{\"regions\": [{\"box\": [0, 0, 1, 0.5], \"caption\": \"the sky\"}]}";
        assertThat(LayoutJson.read(json(noCaption), "layout", LayoutLimits.DEFAULT, "a sunny day").caption())
                .isEqualTo("a sunny day");
        assertThat(problems(noCaption)).containsExactly(
                new LayoutProblem("layout.caption", "is required and must be a non-blank string"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            [0.5, 0.1, 0.4, 0.6]        | layout.regions[0].box.x1 | must be greater than x0 = 0.5, not 0.4 (boxes are [x0, y0, x1, y1])
            [0.1, 0.6, 0.4, 0.6]        | layout.regions[0].box.y1 | must be greater than y0 = 0.6, not 0.6 (boxes are [x0, y0, x1, y1], y down)
            [0.1, 0.1, 1.2, 0.6]        | layout.regions[0].box.x1 | must be within 0..1 (a fraction of the image), not 1.2
            [-0.1, 0.1, 0.5, 0.6]       | layout.regions[0].box.x0 | must be within 0..1 (a fraction of the image), not -0.1
            [0.1, 0.1, 1e400, 0.6]      | layout.regions[0].box.x1 | must be a finite number, not Infinity
            [0.1, "0.1", 0.5, 0.6]      | layout.regions[0].box.y0 | must be a number, not a string "0.1"
            [0.1, 0.1, 0.5, null]       | layout.regions[0].box.y1 | must be a number, not null
            [0.1, 0.1, 0.5]             | layout.regions[0].box    | must be an array of four numbers [x0, y0, x1, y1]
            {"x0": 0.1}                 | layout.regions[0].box    | must be an array of four numbers [x0, y0, x1, y1]
            [0.1, 0.1, 0.12, 0.6]       | layout.regions[0].box    | is 0.02 wide; a side must be at least 1/32 = 0.03125 of the image
            [0.1, 0.5, 0.6, 0.52]       | layout.regions[0].box    | is 0.02 high; a side must be at least 1/32 = 0.03125 of the image
            """)
    void eachBadBoxIsNamedByItsCoordinate(String box, String field, String message) {
        assertThat(problems(withBox(box))).containsExactly(new LayoutProblem(field, message));
    }

    @Test
    void aSideOfExactlyOneThirtySecondIsAllowed() {
        assertThat(read(withBox("[0.5, 0.5, 0.53125, 0.53125]")).regions()).hasSize(1);
        assertThat(read(withBox("[0, 0, 1, 1]")).regions()).hasSize(1);
    }

    @Test
    void regionCountIsLimitedByConfigurationAndNeverAboveSixteen() {
        StringBuilder regions = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            regions.append(i == 0 ? "" : ",").append("{\"box\": [0, 0, 0.5, 0.5], \"caption\": \"a cat\"}");
        }
        String eleven = "{\"caption\": \"cats\", \"regions\": [" + regions + "]}";
        assertThat(problems(eleven)).containsExactly(
                new LayoutProblem("layout.regions", "has 11 regions; at most 10 are allowed"));
        assertThat(LayoutJson.read(json(eleven), "layout", LayoutLimits.DEFAULT.withMaxRegions(16), null).regions()).hasSize(11);
        assertThatThrownBy(() -> LayoutLimits.DEFAULT.withMaxRegions(17))
                .hasMessage("max regions must be 1..16, not 17");
        assertThat(problems("{\"caption\": \"c\", \"regions\": []}")).containsExactly(
                new LayoutProblem("layout.regions", "must hold 1..10 regions"));
    }

    @Test
    void captionsAreRequiredNonBlankAndBounded() {
        String longCaption = "a".repeat(401);
        assertThat(problems("{\"caption\": \"c\", \"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"" + longCaption + "\"}]}"))
                .containsExactly(new LayoutProblem("layout.regions[0].caption", "has 401 characters; at most 400 are allowed"));
        assertThat(problems("{\"caption\": \" \", \"background\": \"\", \"regions\": [{\"box\": [0, 0, 1, 1]}]}"))
                .containsExactly(
                        new LayoutProblem("layout.caption", "must not be blank"),
                        new LayoutProblem("layout.background", "must not be blank"),
                        new LayoutProblem("layout.regions[0].caption", "is required and must be a non-blank string"));
        // Code points, not UTF-16 units: 400 emoji are 400 characters.
        String emoji = "\uD83C\uDF4E".repeat(400);
        assertThat(read("{\"caption\": \"c\", \"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"" + emoji + "\"}]}")
                .regions().getFirst().caption()).hasSize(800);
    }

    @Test
    void unknownFieldsAndWrongTypesAreRefusedNotIgnored() {
        assertThat(problems("{\"caption\": \"c\", \"captoin\": \"x\", \"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"a\","
                + " \"colour\": \"red\"}], \"control\": {\"strenght\": 1}}"))
                .containsExactly(
                        new LayoutProblem("layout.captoin", "is not a known field; known: [background, caption, control, regions]"),
                        new LayoutProblem("layout.regions[0].colour", "is not a known field; known: [box, caption, id]"),
                        new LayoutProblem("layout.control.strenght",
                                "is not a known field; known: [overlap, self_attention, strength, until_t]"));
        assertThat(problems("{\"caption\": 5, \"regions\": 5}")).containsExactly(
                new LayoutProblem("layout.caption", "must be a string, not the number 5"),
                new LayoutProblem("layout.regions", "must be an array of regions {box, caption}"));
        assertThat(problems("[1]")).extracting(LayoutProblem::field).containsExactly("layout");
        assertThat(problems("\"auto\"")).extracting(LayoutProblem::field).containsExactly("layout");
    }

    @Test
    void knobsAreCheckedForTypeAndRange() {
        String base = "{\"caption\": \"c\", \"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"a\"}], \"control\": ";
        assertThat(problems(base + "{\"strength\": 1.5, \"until_t\": 1001}}")).containsExactly(
                new LayoutProblem("layout.control.strength", "must be a finite number within 0..1 (1 − β), not 1.5"),
                new LayoutProblem("layout.control.until_t", "must be a timestep within 0..1000, not 1001"));
        assertThat(problems(base + "{\"until_t\": 600.5, \"self_attention\": \"yes\", \"overlap\": \"largest-wins\"}}"))
                .containsExactly(
                        new LayoutProblem("layout.control.until_t", "must be an integer timestep within 0..1000, not the number 600.5"),
                        new LayoutProblem("layout.control.self_attention", "must be true or false, not a string \"yes\""),
                        new LayoutProblem("layout.control.overlap", "must be one of [smallest-wins, union], not a string \"largest-wins\""));
        assertThat(read(base + "{\"strength\": 0, \"until_t\": 0, \"overlap\": \"union\"}}").control())
                .isEqualTo(new Control(0.0, 0, null, Overlap.UNION));
        assertThat(read(base + "{}}").control().isEmpty()).isTrue();
    }

    @Test
    void idsMustBeKeySafeAndUnique() {
        assertThat(problems("{\"caption\": \"c\", \"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"a\", \"id\": \"x\"},"
                + "{\"box\": [0, 0, 1, 1], \"caption\": \"b\", \"id\": \"x\"}, {\"box\": [0, 0, 1, 1], \"caption\": \"b\", \"id\": \"../y\"}]}"))
                .containsExactly(
                        new LayoutProblem("layout.regions[1].id", "\"x\" is already the id of regions[0]; ids must be unique"),
                        new LayoutProblem("layout.regions[2].id",
                                "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"));
    }

    @Test
    void everyProblemIsReportedAndTheFirstLeadsTheMessage() {
        InvalidLayoutException e = null;
        try {
            read("{\"caption\": \"c\", \"regions\": [{\"box\": [0.5, 0, 0.4, 1], \"caption\": \"a\"},"
                    + " {\"box\": [0, 0, 1, 1], \"caption\": \"\"}]}");
        } catch (InvalidLayoutException thrown) {
            e = thrown;
        }
        assertThat(e).isNotNull();
        assertThat(e.problems()).extracting(LayoutProblem::field)
                .containsExactly("layout.regions[0].box.x1", "layout.regions[1].caption");
        assertThat(e.getMessage()).isEqualTo("layout.regions[0].box.x1 must be greater than x0 = 0.5, not 0.4"
                + " (boxes are [x0, y0, x1, y1]) (and 1 more problem)");
    }

    @Test
    void theValidatorChecksLayoutsBuiltInJavaToo() {
        Layout nan = new Layout("c", List.of(new Region(new Box(Double.NaN, 0, 1, 1), "a")));
        assertThat(LayoutValidator.check(nan, LayoutLimits.DEFAULT, "spec.layout")).containsExactly(
                new LayoutProblem("spec.layout.regions[0].box.x0", "must be a finite number, not NaN"));
        Layout nullRegion = new Layout("c", java.util.Arrays.asList(new Region(new Box(0, 0, 1, 1), "a"), null));
        assertThat(LayoutValidator.check(nullRegion, LayoutLimits.DEFAULT, "l")).containsExactly(
                new LayoutProblem("l.regions[1]", "must be an object {box, caption}"));
        assertThat(LayoutValidator.check(read(FULL), LayoutLimits.DEFAULT, "layout")).isEmpty();
    }

    @Test
    void boxGeometry() {
        Box a = new Box(0, 0, 0.5, 0.5);
        Box b = new Box(0.25, 0.25, 0.75, 0.75);
        assertThat(a.intersection(b)).isEqualTo(0.0625);
        assertThat(a.iou(b)).isCloseTo(0.0625 / (0.25 + 0.25 - 0.0625), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(a.intersection(new Box(0.5, 0, 1, 1))).isZero();
        assertThat(new Box(0, 0, 1, 1).contains(b)).isTrue();
        assertThat(b.cx()).isEqualTo(0.5);
    }
}
