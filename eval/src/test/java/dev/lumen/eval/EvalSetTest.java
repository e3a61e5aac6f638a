package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading {@code domain.json} and {@code prompts.json}, and the errors for files that are wrong. */
class EvalSetTest {
    static final String DOMAIN = """
            {
              "version": 1,
              "width": 64, "height": 64,
              "background": {"min": 222, "max": 255},
              "colours": {"red": [220,40,40], "orange": [245,140,30], "yellow": [240,210,40],
                          "green": [40,170,60], "cyan": [40,200,220], "blue": [40,70,220],
                          "purple": [140,50,190], "black": [30,30,30]},
              "shapes": ["circle", "square", "triangle"],
              "sizes": {"small": [5.0,6.5], "medium": [8.0,9.5], "large": [11.0,13.0]},
              "grid": 3,
              "jitter": 3
            }
            """;

    static final String PROMPTS = """
            {
              "version": 1,
              "prompts": [
                {"id": "one-000", "group": "one", "caption": "a large red circle in the top left", "seed": 1000,
                 "objects": [{"colour": "red", "shape": "circle", "size": "large", "cell": [0,0]}],
                 "relations": []},
                {"id": "rel-003", "group": "relation", "caption": "a blue square above a yellow triangle", "seed": 1003,
                 "objects": [{"colour": "blue", "shape": "square", "size": null, "cell": null},
                             {"colour": "yellow", "shape": "triangle", "size": null, "cell": null}],
                 "relations": [{"subject": 0, "relation": "above", "object": 1}]},
                {"id": "cnt-001", "group": "count", "caption": "two red circles", "seed": 1100,
                 "objects": [{"colour":"red","shape":"circle","size":null,"cell":null},
                             {"colour":"red","shape":"circle","size":null,"cell":null}], "relations": []}
              ]
            }
            """;

    @TempDir
    Path dir;

    private Path write(String domain, String prompts) throws IOException {
        Files.writeString(dir.resolve("domain.json"), domain);
        Files.writeString(dir.resolve("prompts.json"), prompts);
        return dir;
    }

    @Test
    void readsTheFormatsExample() throws IOException {
        EvalSet set = EvalSet.load(write(DOMAIN, PROMPTS));
        Domain d = set.domain();
        assertThat(d.width()).isEqualTo(64);
        assertThat(d.backgroundMin()).isEqualTo(222);
        assertThat(d.colours().keySet()).containsExactly("red", "orange", "yellow", "green", "cyan", "blue", "purple", "black");
        assertThat(d.colours().get("purple")).isEqualTo(new Domain.Rgb(140, 50, 190));
        assertThat(d.shapes()).containsExactly(ShapeKind.CIRCLE, ShapeKind.SQUARE, ShapeKind.TRIANGLE);
        assertThat(d.sizes().get("medium")).isEqualTo(new Domain.SizeRange(8.0, 9.5));
        assertThat(d.sizeClass(7.0)).isEqualTo("small");
        assertThat(d.sizeClass(7.5)).isEqualTo("medium");
        assertThat(d.sizeClass(20)).isEqualTo("large");
        assertThat(set.prompts()).hasSize(3);
        EvalPrompt one = set.prompts().getFirst();
        assertThat(one.seed()).isEqualTo(1000);
        assertThat(one.objects().getFirst()).isEqualTo(
                new EvalPrompt.ExpectedObject("red", ShapeKind.CIRCLE, "large", new EvalPrompt.Cell(0, 0)));
        EvalPrompt rel = set.prompts().get(1);
        assertThat(rel.objects().get(1).size()).isNull();
        assertThat(rel.objects().get(1).cell()).isNull();
        assertThat(rel.relations()).containsExactly(new EvalPrompt.Relation(0, EvalPrompt.RelationKind.ABOVE, 1));
        assertThat(set.select(List.of("count", "one"), 0)).extracting(EvalPrompt::id).containsExactly("one-000", "cnt-001");
        assertThat(set.select(List.of(), 1)).hasSize(3);
        assertThatThrownBy(() -> set.select(List.of("four"), 0)).hasMessageContaining("\"four\"").hasMessageContaining("relation");
    }

    private void assertDomainError(String domain, String... fragments) throws IOException {
        Path d = write(domain, PROMPTS);
        assertThatThrownBy(() -> EvalSet.load(d)).isInstanceOf(EvalSetException.class)
                .hasMessageContaining(d.resolve("domain.json").toString())
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }

    private void assertPromptsError(String prompts, String... fragments) throws IOException {
        Path d = write(DOMAIN, prompts);
        assertThatThrownBy(() -> EvalSet.load(d)).isInstanceOf(EvalSetException.class)
                .hasMessageContaining(d.resolve("prompts.json").toString())
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }

    @Test
    void domainErrorsNameTheFileAndField() throws IOException {
        assertDomainError(DOMAIN.replace("\"width\": 64,", ""), "\"width\"", "missing");
        assertDomainError(DOMAIN.replace("\"width\": 64", "\"width\": \"64\""), "\"width\"", "integer");
        assertDomainError(DOMAIN.replace("\"version\": 1", "\"version\": 2"), "\"version\"", "2");
        assertDomainError(DOMAIN.replace("[30,30,30]", "[30,30]"), "\"colours.black\"", "3 numbers");
        assertDomainError(DOMAIN.replace("[30,30,30]", "[30,30,300]"), "\"colours.black\"", "[0, 255]");
        assertDomainError(DOMAIN.replace("\"triangle\"]", "\"star\"]"), "\"shapes\"", "star");
        assertDomainError(DOMAIN.replace("[8.0,9.5]", "[9.5,8.0]"), "\"sizes.medium\"", "min <= max");
        assertDomainError(DOMAIN.replace("\"min\": 222", "\"min\": 256"), "\"background.min\"", "[0, 255]");
        assertDomainError(DOMAIN.replace("\"grid\": 3", "\"grid\": 0"), "\"grid\"", "positive");
        assertDomainError(DOMAIN.replace("\"jitter\": 3\n", "\"jitter\": 3,\n"), "not valid JSON");
    }

    @Test
    void promptErrorsNameTheFileAndField() throws IOException {
        assertPromptsError(PROMPTS.replace("{\"colour\": \"blue\"", "{\"colour\": \"pink\""),
                "\"prompts[1].objects[0].colour\"", "pink", "purple");
        assertPromptsError(PROMPTS.replace("\"cell\": [0,0]", "\"cell\": [0,3]"), "\"prompts[0].objects[0].cell\"", "grid");
        assertPromptsError(PROMPTS.replace("\"cell\": [0,0]", "\"cell\": [0]"), "\"prompts[0].objects[0].cell\"", "2 integers");
        assertPromptsError(PROMPTS.replace("\"size\": \"large\"", "\"size\": \"huge\""), "\"prompts[0].objects[0].size\"", "huge");
        assertPromptsError(PROMPTS.replace("\"shape\": \"square\"", "\"shape\": \"star\""), "\"prompts[1].objects[0].shape\"", "star");
        assertPromptsError(PROMPTS.replace("\"object\": 1", "\"object\": 2"), "\"prompts[1].relations[0].object\"", "0..1");
        assertPromptsError(PROMPTS.replace("\"relation\": \"above\"", "\"relation\": \"on top of\""),
                "\"prompts[1].relations[0].relation\"", "left of");
        assertPromptsError(PROMPTS.replace("\"cnt-001\"", "\"one-000\""), "\"prompts[2].id\"", "unique");
        assertPromptsError(PROMPTS.replace("\"cnt-001\"", "\"../x\""), "\"prompts[2].id\"", "file");
        assertPromptsError(PROMPTS.replace("\"seed\": 1100", "\"seed\": 1.5"), "\"prompts[2].seed\"", "integer");
        assertPromptsError(PROMPTS.replace("\"group\": \"one\", ", ""), "\"prompts[0].group\"", "missing");
        assertPromptsError("{\"version\": 1, \"prompts\": []}", "\"prompts\"", "at least one");
        assertPromptsError("[1, 2]", "JSON object");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> EvalSet.load(dir.resolve("nowhere"))).isInstanceOf(EvalSetException.class)
                .hasMessageContaining("missing eval-set file").hasMessageContaining("domain.json");
    }
}
