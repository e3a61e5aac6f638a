package dev.lumen.storage.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.ImageRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageKeysTest {

    @Test
    void followsTheKeySchemeOfTheDesign() {
        ImageKeys keys = ImageKeys.of("acme-studio", "job_01JNQ8Z7Y3", 3);
        assertThat(keys.png()).isEqualTo("images/acme-studio/job_01JNQ8Z7Y3/3.png");
        assertThat(keys.metadata()).isEqualTo("images/acme-studio/job_01JNQ8Z7Y3/3.json");
        assertThat(ImageKeys.jobPrefix("acme-studio", "job_01JNQ8Z7Y3")).isEqualTo("images/acme-studio/job_01JNQ8Z7Y3/");
        assertThat(ImageKeys.tenantPrefix("acme-studio")).isEqualTo("images/acme-studio/");
        assertThat(keys.png()).startsWith(ImageKeys.jobPrefix("acme-studio", "job_01JNQ8Z7Y3"));
    }

    @Test
    void sameJobSameKeysSoRedeliveriesOverwrite() {
        assertThat(ImageKeys.of("t", "j", 0)).isEqualTo(ImageKeys.of("t", "j", 0));
        assertThat(ImageKeys.of("t", "j", 0).png()).isEqualTo(ImageKeys.of("t", "j", 0).png());
    }

    @Test
    void makesTheImageRefOfACompletedEvent() {
        assertThat(ImageKeys.of("acme", "job-1", 1).toRef(1024, 768))
                .isEqualTo(new ImageRef(1, "images/acme/job-1/1.png", "images/acme/job-1/1.json", 1024, 768));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../other", "a/b", "a\\b", ".hidden", "-dash-first", "acme.corp", "a b", "tenant%2F",
            "ünïcode"})
    void refusesIdsThatCouldEscapeOrConfuseTheKey(String bad) {
        assertThatThrownBy(() -> ImageKeys.of(bad, "job-1", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tenant must be");
        assertThatThrownBy(() -> ImageKeys.of("acme", bad, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("job id must be");
    }

    @Test
    void refusesNullLongIdsAndBadIndexes() {
        assertThatThrownBy(() -> ImageKeys.of(null, "j", 0)).hasMessageContaining("null");
        assertThatThrownBy(() -> ImageKeys.of("t", "j".repeat(129), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ImageKeys.of("t", "j".repeat(128), 0).png()).hasSize("images/t/".length() + 128 + "/0.png".length());
        assertThatThrownBy(() -> ImageKeys.of("t", "j", -1)).hasMessageContaining("index");
        assertThatThrownBy(() -> ImageKeys.of("t", "j", ImageKeys.MAX_INDEX + 1)).hasMessageContaining("index");
    }
}
