package dev.lumen.storage.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.Messages;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

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
