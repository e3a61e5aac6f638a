package dev.lumen.engine.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.layout.RegionalLayout.Box;
import dev.lumen.engine.layout.RegionalLayout.Control;
import dev.lumen.engine.layout.RegionalLayout.Overlap;
import dev.lumen.engine.layout.RegionalLayout.Region;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The engine's layout type and the layout JSON of layout.md §4: defaults, round trip, and errors that name the field. */
class RegionalLayoutTest {
    @TempDir
    Path dir;

    private static final String APPLES = """
            {"caption": "three red apples on a wooden table, a blue vase on the right",
             "background": "a wooden table in a bright kitchen",
             "regions": [
               {"box": [0.08, 0.52, 0.26, 0.74], "caption": "a red apple", "id": "apple-1"},
               {"box": [0.70, 0.20, 0.92, 0.74], "caption": "a blue vase"},
               {"box": [0.00, 0.62, 1.00, 1.00], "caption": "a wooden table"}
             ]}""";

    @Test
    void parsesTheLayoutJsonWithDefaultControl() {
        RegionalLayout layout = LayoutJson.parse(APPLES);
        assertThat(layout.caption()).startsWith("three red apples");
        assertThat(layout.regions()).hasSize(3);
        assertThat(layout.regions().get(1).box()).isEqualTo(new Box(0.70, 0.20, 0.92, 0.74));
        assertThat(layout.control()).isEqualTo(Control.DEFAULTS);
        assertThat(Control.DEFAULTS.strength()).isEqualTo(0.8);
        assertThat(Control.DEFAULTS.untilT()).isEqualTo(600);
        assertThat(Control.DEFAULTS.selfAttention()).isTrue();
        assertThat(layout.regionCaptions()).containsExactly("a wooden table in a bright kitchen", "a red apple", "a blue vase",
                "a wooden table");
        assertThat(LayoutJson.parse(LayoutJson.write(layout))).isEqualTo(layout);
    }

    @Test
    void withoutBackgroundTheGlobalCaptionCoversUncoveredTokens() {
        RegionalLayout layout = new RegionalLayout("a cat on a mat", null, List.of(new Region(new Box(0.2, 0.2, 0.6, 0.6), "a cat")));
        assertThat(layout.regionCaptions()).containsExactly("a cat on a mat", "a cat");
    }

    @Test
    void readsControlAndLayoutServiceResponses() {
        RegionalLayout layout = LayoutJson.parse("""
                {"layout": {"caption": "a ball", "regions": [{"box": [0, 0, 0.5, 0.5], "caption": "a red ball"}],
                            "control": {"strength": 0.6, "until_t": 400, "self_attention": false}},
                 "planner": {"name": "rule", "version": "1"}, "warnings": []}""");
        assertThat(layout.control()).isEqualTo(new Control(0.6, 400, false, Overlap.SMALLEST_WINS));
        assertThat(layout.control().beta()).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-12));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no caption                 | {\"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}]}                                 | caption",
            "blank caption              | {\"caption\": \" \", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}]}                | caption",
            "no regions                 | {\"caption\": \"c\", \"regions\": []}                                                   | regions",
            "regions not an array       | {\"caption\": \"c\", \"regions\": {}}                                                   | regions",
            "inverted box               | {\"caption\": \"c\", \"regions\": [{\"box\": [0.5,0,0.4,1], \"caption\": \"x\"}]}           | regions[0].box",
            "box outside the image      | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1]}, {\"box\": [0,0,1.2,1], \"caption\": \"x\"}]} | regions[0].caption",
            "box past the edge          | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}, {\"box\": [0,0,1.2,1], \"caption\": \"x\"}]} | regions[1].box",
            "tiny box                   | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,0.03,1], \"caption\": \"x\"}]}            | regions[0].box",
            "three numbers              | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1], \"caption\": \"x\"}]}                | regions[0].box",
            "string in box              | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,\"1\",1], \"caption\": \"x\"}]}          | regions[0].box",
            "empty region caption       | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"\"}]}                | regions[0].caption",
            "unknown region field       | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\", \"bbox\": 1}]} | regions[0].bbox",
            "unknown field              | {\"caption\": \"c\", \"regoins\": []}                                                   | regoins",
            "strength above 1           | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"strength\": 1.5}}      | control.strength",
            "fractional until_t         | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"until_t\": 600.5}}     | control.until_t",
            "until_t past the schedule  | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"until_t\": 1001}}     | control.until_t",
            "self_attention not boolean | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"self_attention\": 1}} | control.self_attention",
            "union overlap              | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"overlap\": \"union\"}} | control.overlap",
            "unknown control            | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,1,1], \"caption\": \"x\"}], \"control\": {\"beta\": 0.2}}         | control.beta",
            "NaN                        | {\"caption\": \"c\", \"regions\": [{\"box\": [0,0,NaN,1], \"caption\": \"x\"}]}            | ''",
            "not an object              | [1, 2]                                                                              | ''",
    })
    void badLayoutsNameTheField(String what, String json, String field) {
        assertThatThrownBy(() -> LayoutJson.parse(json)).as(what)
                .isInstanceOfSatisfying(LayoutException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field.isEmpty() ? "" : field + ": ");
                });
    }

    @Test
    void theConstructorValidatesAsStrictlyAsTheJsonReader() {
        Region ok = new Region(new Box(0, 0, 1, 1), "x");
        assertThatThrownBy(() -> new RegionalLayout("c", null, List.of(ok, new Region(new Box(0, 0, Double.NaN, 1), "y"))))
                .isInstanceOfSatisfying(LayoutException.class, e -> assertThat(e.field()).isEqualTo("regions[1].box"));
        assertThatThrownBy(() -> new RegionalLayout("c", null, Collections.nCopies(RegionalLayout.MAX_REGIONS + 1, ok)))
                .isInstanceOfSatisfying(LayoutException.class, e -> assertThat(e.getMessage()).contains("at most 16"));
        List<Region> withNull = new ArrayList<>(List.of(ok));
        withNull.add(null);
        assertThatThrownBy(() -> new RegionalLayout("c", null, withNull))
                .isInstanceOfSatisfying(LayoutException.class, e -> assertThat(e.field()).isEqualTo("regions[1]"));
        assertThatThrownBy(() -> new RegionalLayout("c", "", List.of(ok)))
                .isInstanceOfSatisfying(LayoutException.class, e -> assertThat(e.field()).isEqualTo("background"));
        assertThatThrownBy(() -> new RegionalLayout("c".repeat(2001), null, List.of(ok)))
                .isInstanceOfSatisfying(LayoutException.class, e -> assertThat(e.field()).isEqualTo("caption"));
        // The smallest allowed side is exactly 1/32.
        assertThat(new RegionalLayout("c", null, List.of(new Region(new Box(0.953125, 0.3125, 0.984375, 0.421875), "x"))))
                .isNotNull();
    }

    @Test
    void fileErrorsNameTheFile() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"caption\": \"c\", \"regions\": [{\"box\": [0,0,2,1], \"caption\": \"x\"}]}");
        assertThatThrownBy(() -> LayoutJson.read(file))
                .isInstanceOfSatisfying(LayoutException.class, e -> {
                    assertThat(e.field()).isEqualTo("regions[0].box");
                    assertThat(e.getMessage()).startsWith("regions[0].box: in " + file);
                });
        assertThatThrownBy(() -> LayoutJson.read(dir.resolve("missing.json")))
                .isInstanceOf(LayoutException.class).hasMessageContaining("missing.json").hasMessageContaining("does not exist");
    }
}
