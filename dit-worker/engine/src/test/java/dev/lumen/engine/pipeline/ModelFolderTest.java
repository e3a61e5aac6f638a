package dev.lumen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.sampling.LcmConfig;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Diffusers folders and configs: the default rules, overrides, and errors that name the file and field. */
class ModelFolderTest {
    @TempDir
    Path dir;

    @Test
    void appliesDiffusersDefaultRules() {
        PixArtConfig ms = PixArtConfig.read(Fixtures.model().resolve("transformer/config.json"));
        assertThat(ms.useAdditionalConditions()).isTrue();
        assertThat(ms.interpolationScale()).isEqualTo(2.0);
        assertThat(ms.baseSize()).isEqualTo(64);
        PixArtConfig noac = PixArtConfig.read(Fixtures.model().resolve("transformer-noac/config.json"));
        assertThat(noac.useAdditionalConditions()).isFalse();
        assertThat(noac.interpolationScale()).isEqualTo(1.0);
        assertThat(ModelFolder.open(Fixtures.model()).maxSequenceLength()).isEqualTo(120);
    }

    @Test
    void samplerChoiceFindsTheMatchingSchedulerFolder() {
        ModelFolder folder = ModelFolder.open(Fixtures.model());
        assertThat(SamplerKind.choose(folder, null, null).kind()).isEqualTo(SamplerKind.DPM_SOLVER);
        SamplerKind.Choice lcm = SamplerKind.choose(folder, "lcm", null);
        assertThat(lcm.config()).isInstanceOf(LcmConfig.class);
        assertThat(lcm.config().origin()).contains("scheduler-lcm");
        assertThatThrownBy(() -> SamplerKind.choose(folder, "lcm", "scheduler")).hasMessageContaining("not a lcm");
        assertThatThrownBy(() -> SamplerKind.choose(folder, "euler", null)).hasMessageContaining("unknown sampler 'euler'");
    }

    @Test
    void missingComponentsAndFieldsAreNamed() throws IOException {
        assertThatThrownBy(() -> ModelFolder.open(dir.resolve("none"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist");
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"PixArtAlphaPipeline\", "
                + "\"transformer\": [\"diffusers\", \"Transformer2DModel\"]}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).hasMessageContaining("component \"text_encoder\" is missing");

        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\"_class_name\": \"PixArtTransformer2DModel\", \"num_attention_heads\": 2}");
        assertThatThrownBy(() -> PixArtConfig.read(cfg)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(cfg.toString()).hasMessageContaining("\"sample_size\"");
        Files.writeString(cfg, "{\"_class_name\": \"PixArtTransformer2DModel\", \"sample_size\": \"big\"}");
        assertThatThrownBy(() -> PixArtConfig.read(cfg)).hasMessageContaining("\"sample_size\" must be an integer");
        Files.writeString(cfg, "{\"_class_name\": \"UNet2DConditionModel\"}");
        assertThatThrownBy(() -> PixArtConfig.read(cfg)).hasMessageContaining("not a PixArt transformer");
    }

    @Test
    void copiedFixtureFolderWithAMissingWeightFileFailsAtLoad() throws IOException {
        Path copy = dir.resolve("model");
        copyTree(Fixtures.model(), copy);
        Files.delete(copy.resolve("vae/diffusion_pytorch_model.safetensors"));
        assertThatThrownBy(() -> PixArtPipeline.load(ModelFolder.open(copy), new dev.lumen.engine.cpu.CpuOps()))
                .hasMessageContaining("vae");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
