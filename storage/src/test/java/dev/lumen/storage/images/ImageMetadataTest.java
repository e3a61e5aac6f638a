package dev.lumen.storage.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Control;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.contracts.layout.Region;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ImageMetadataTest {
    static final GenerationSpec SPEC = new GenerationSpec("PixArt-alpha/PixArt-LCM-XL-2-1024-MS", "窓辺の机, rain",
            null, 2, 1024, 768, 4, 1.0, "lcm", 100, 0, null, null);

    static ImageMetadata metadata() {
        return ImageMetadata.of(ImageKeys.of("acme", "job-1", 1), SPEC, 101, Instant.parse("2026-03-01T12:00:05.5Z"),
                new ImageMetadata.Timings(120.0, 3876.25, null));
    }

    @Test
    void takesTheJobsSettingsAndTheImagesOwnSeed() {
        ImageMetadata m = metadata();
        assertThat(m.schema()).isEqualTo(ImageMetadata.SCHEMA);
        assertThat(m.index()).isEqualTo(1);
        assertThat(m.seed()).isEqualTo(101);
        assertThat(m.width()).isEqualTo(1024);
        assertThat(m.steps()).isEqualTo(4);
    }

    @Test
    void roundTripsAsJsonWithIsoInstantsAndNoNulls() {
        byte[] json = metadata().toJson();
        JsonNode tree = Messages.json().readTree(json);
        assertThat(tree.get("createdAt").asString()).isEqualTo("2026-03-01T12:00:05.500Z");
        assertThat(tree.has("negativePrompt")).isFalse();
        assertThat(tree.get("timings").has("uploadMs")).isFalse();
        assertThat(tree.get("prompt").asString()).isEqualTo("窓辺の机, rain");
        assertThat(ImageMetadata.fromJson(json)).isEqualTo(metadata());
    }

    @Test
    void refusesOtherDocuments() {
        assertThatThrownBy(() -> ImageMetadata.fromJson("{\"schema\": \"lumen.image-metadata/v9\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v9");
        assertThatThrownBy(() -> ImageMetadata.fromJson("[".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not image metadata");
    }

    static final Layout LAYOUT = new Layout("a red ball to the left of a blue cube", "a plain white background",
            List.of(new Region(new Box(0.1, 0.3, 0.4, 0.7), "a red ball", "e1"),
                    new Region(new Box(0.6, 0.3, 0.9, 0.7), "a blue cube", "e2")),
            new Control(0.8, 600, null, null));

    static ImageMetadata layoutMetadata() {
        GenerationSpec spec = new GenerationSpec("shapes-demo", "a red ball to the left of a blue cube", null, 1, 64, 64,
                4, 1.0, "lcm", 5, 0, LAYOUT, null);
        return ImageMetadata.of(ImageKeys.of("acme", "job-2", 0), spec, 5, Instant.parse("2026-03-01T12:00:05.5Z"), null);
    }

    @Test
    void aLayoutJobsMetadataCarriesItsLayoutInJsonAndPngText() throws Exception {
        ImageMetadata m = layoutMetadata();
        JsonNode tree = Messages.json().readTree(m.toJson());
        assertThat(tree.get("layout").get("regions").get(1).get("box").toString()).isEqualTo("[0.6,0.3,0.9,0.7]");
        assertThat(tree.get("layout").get("control").get("until_t").asInt()).isEqualTo(600);
        assertThat(ImageMetadata.fromJson(m.toJson())).isEqualTo(m);

        byte[] png = PngText.write(PngTextTest.png(16, 16), m.pngText());
        String text = PngText.read(png).get("layout");
        assertThat(LayoutJson.read(Messages.json().readTree(text), "layout",
                dev.lumen.contracts.layout.LayoutLimits.DEFAULT, null)).isEqualTo(LAYOUT);
        assertThat(PngText.read(PngText.write(PngTextTest.png(16, 16), metadata().pngText()))).doesNotContainKey("layout");
    }

    @Test
    void readsVersion1MetadataWrittenBeforeLayouts() {
        String v1 = "{\"schema\": \"lumen.image-metadata/v1\", \"jobId\": \"job-1\", \"tenant\": \"acme\", \"index\": 0,"
                + " \"model\": \"m\", \"prompt\": \"a cat\", \"seed\": 1, \"sampler\": \"lcm\", \"steps\": 4,"
                + " \"guidanceScale\": 1.0, \"width\": 64, \"height\": 64, \"createdAt\": \"2026-03-01T12:00:05.5Z\"}";
        ImageMetadata m = ImageMetadata.fromJson(v1.getBytes(StandardCharsets.UTF_8));
        assertThat(m.schema()).isEqualTo(ImageMetadata.SCHEMA);
        assertThat(m.layout()).isNull();
        assertThat(m.prompt()).isEqualTo("a cat");
    }

    @Test
    void aTokenDensityJobsMetadataCarriesWhatWasAskedAndWhatRanInJsonAndPngText() throws Exception {
        JsonNode asked = Messages.json().readTree("\"balanced\"");
        GenerationSpec spec = new GenerationSpec("shapes-demo", "a red circle", null, 1, 64, 64, 4, 1.0, "lcm", 5, 0, null,
                asked);
        TokenDensityReport ran = new TokenDensityReport(asked, "preset balanced",
                List.of("t=999: 0-1 kv_pool(s=2,avg)", "t=259: 0 dense, 1 kv_pool(s=2,avg)"), 812_000L, 1_000_000L, 0.812,
                true);
        ImageMetadata m = ImageMetadata.of(ImageKeys.of("acme", "job-3", 0), spec, 5, Instant.parse("2026-03-01T12:00:05.5Z"),
                null, ran);
        JsonNode tree = Messages.json().readTree(m.toJson());
        assertThat(tree.get("schema").asString()).isEqualTo("lumen.image-metadata/v1.3");
        assertThat(tree.get("tokenDensity").get("requested").asString()).isEqualTo("balanced");
        assertThat(tree.get("tokenDensity").get("plan").asString()).isEqualTo("preset balanced");
        assertThat(tree.get("tokenDensity").get("fraction").asDouble()).isEqualTo(0.812);
        assertThat(tree.get("tokenDensity").get("experimental").asBoolean()).isTrue();
        assertThat(ImageMetadata.fromJson(m.toJson())).isEqualTo(m);

        byte[] png = PngText.write(PngTextTest.png(16, 16), m.pngText());
        JsonNode text = Messages.json().readTree(PngText.read(png).get("tokenDensity"));
        assertThat(Messages.json().treeToValue(text, TokenDensityReport.class)).isEqualTo(ran);
        assertThat(PngText.read(PngText.write(PngTextTest.png(16, 16), metadata().pngText()))).doesNotContainKey("tokenDensity");
    }

    @Test
    void readsVersion1_2MetadataWrittenBeforeTheExperimentalFlag() {
        JsonNode asked = Messages.json().readTree("\"high\"");
        GenerationSpec spec = new GenerationSpec("shapes-demo", "a red circle", null, 1, 64, 64, 4, 1.0, "lcm", 5, 0, null,
                asked);
        ObjectNode v12 = (ObjectNode) Messages.json().readTree(ImageMetadata.of(ImageKeys.of("acme", "job-4", 0), spec, 5,
                Instant.parse("2026-03-01T12:00:05.5Z"), null, new TokenDensityReport(asked, "preset high",
                        List.of("t=999: 0 dense, 1 kv_pool(s=2,avg)"), 900L, 1000L, 0.9, true)).toJson());
        v12.put("schema", "lumen.image-metadata/v1.2");
        ((ObjectNode) v12.get("tokenDensity")).remove("experimental");
        ImageMetadata m = ImageMetadata.fromJson(Messages.json().writeValueAsBytes(v12));
        assertThat(m.schema()).isEqualTo(ImageMetadata.SCHEMA);
        assertThat(m.tokenDensity().plan()).isEqualTo("preset high");
        assertThat(m.tokenDensity().experimental()).as("unknown, not false").isNull();
    }

    @Test
    void readsVersion1_1MetadataWrittenBeforeTokenDensity() {
        ObjectNode v11 = (ObjectNode) Messages.json().readTree(layoutMetadata().toJson());
        v11.put("schema", "lumen.image-metadata/v1.1");
        ImageMetadata m = ImageMetadata.fromJson(Messages.json().writeValueAsBytes(v11));
        assertThat(m).isEqualTo(layoutMetadata());
        assertThat(m.tokenDensity()).isNull();
    }

    @Test
    void pngTextCarriesPromptSeedModelSamplerAndSteps() throws Exception {
        byte[] png = PngText.write(PngTextTest.png(16, 16), metadata().pngText());
        assertThat(PngText.read(png))
                .containsEntry("prompt", "窓辺の机, rain")
                .containsEntry("seed", "101")
                .containsEntry("model", "PixArt-alpha/PixArt-LCM-XL-2-1024-MS")
                .containsEntry("sampler", "lcm")
                .containsEntry("steps", "4")
                .containsEntry("jobId", "job-1")
                .containsEntry("Software", "Lumen")
                .doesNotContainKey("negativePrompt");
    }
}
