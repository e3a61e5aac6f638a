package dev.lumen.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.model.pixart.PixArtConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The transformer configs of the published PixArt checkpoints load with diffusers' default rules
 * (pixart-spec §6.3): interpolation scale and micro-conditions derived from sample_size unless
 * stated, as Σ states them.
 */
class PublishedConfigsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "PixArt-XL-2-256x256, 32, 1.0, false",
            "PixArt-XL-2-512x512, 64, 1.0, false",
            "PixArt-XL-2-1024-MS, 128, 2.0, true",
            "PixArt-LCM-XL-2-1024-MS, 128, 2.0, true",
            "PixArt-Sigma-XL-2-1024-MS, 128, 2.0, false"})
    void loadsWithTheDefaultRules(String name, int sampleSize, double interpolation, boolean microConditions)
            throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, new RandomCheckpoint(RandomCheckpoint.Preset.byName(name), DType.BF16, m -> { })
                .transformerConfigJson());
        PixArtConfig c = PixArtConfig.read(config);
        assertThat(c.sampleSize()).isEqualTo(sampleSize);
        assertThat(c.interpolationScale()).isEqualTo(interpolation);
        assertThat(c.useAdditionalConditions()).isEqualTo(microConditions);
        assertThat(c.hiddenSize()).isEqualTo(1152);
        assertThat(c.numLayers()).isEqualTo(28);
        assertThat(c.learnedSigma()).isTrue();
        assertThat(c.baseSize()).isEqualTo(sampleSize / 2);
    }
}
