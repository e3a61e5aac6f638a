package dev.lumen.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSourceTest {

    @Test
    void parsesHubS3AndLocalSources() {
        assertThat(ModelSource.parse("hf:PixArt-alpha/PixArt-LCM-XL-2-1024-MS"))
                .isEqualTo(new ModelSource.Hub("PixArt-alpha/PixArt-LCM-XL-2-1024-MS", "main"));
        assertThat(ModelSource.parse("hf:owner/repo@refs/pr/3")).isEqualTo(new ModelSource.Hub("owner/repo", "refs/pr/3"));
        assertThat(ModelSource.parse("hf:owner/repo@v1.0").defaultName()).isEqualTo("repo");
        assertThat(((ModelSource.Hub) ModelSource.parse("hf:o/r@0123456789abcdef0123456789abcdef01234567")).pinned()).isTrue();
        assertThat(ModelSource.parse("s3://models/pixart/xl")).isEqualTo(new ModelSource.S3Prefix("models", "pixart/xl/"));
        assertThat(ModelSource.parse("s3://models").defaultName()).isEqualTo("models");
        assertThat(ModelSource.parse("s3://models/pixart/xl/").defaultName()).isEqualTo("xl");
        assertThat(ModelSource.parse("/models/PixArt-XL-2-1024-MS"))
                .isEqualTo(new ModelSource.Local(Path.of("/models/PixArt-XL-2-1024-MS")));
    }

    @Test
    void malformedRemoteSourcesAreErrorsNotFolderNames() {
        for (String bad : List.of("hf:", "hf:owner/repo/extra", "hf:owner/repo@", "hf:owner/repo@../x", "s3://", "s3://A_b/x",
                "s3://bucket//x", "s3://bucket/../x", " ")) {
            assertThatThrownBy(() -> ModelSource.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aComponentWithSeveralSafetensorsAndNoIndexIsAmbiguous() {
        Map<String, byte[]> repo = Map.of(
                "model_index.json", "{\"_class_name\":\"PixArtAlphaPipeline\",\"vae\":[\"diffusers\",\"AutoencoderKL\"]}"
                        .getBytes(StandardCharsets.UTF_8),
                "vae/config.json", new byte[0],
                "vae/a.safetensors", new byte[0],
                "vae/b.safetensors", new byte[0]);
        assertThatThrownBy(() -> PipelineFiles.select(repo.keySet(), repo::get, "hf:x/y"))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining("hf:x/y").hasMessageContaining("vae/");
    }

    @Test
    void pytorchOnlyWeightsAreNamedAsTheProblem() {
        Map<String, byte[]> repo = Map.of(
                "model_index.json", "{\"vae\":[\"diffusers\",\"AutoencoderKL\"]}".getBytes(StandardCharsets.UTF_8),
                "vae/config.json", new byte[0],
                "vae/diffusion_pytorch_model.bin", new byte[0]);
        assertThatThrownBy(() -> PipelineFiles.select(repo.keySet(), repo::get, "hf:x/y"))
                .hasMessageContaining("PyTorch weights only");
    }

    @Test
    void aComponentSetToNullIsNotFetched() {
        Map<String, byte[]> repo = Map.of(
                "model_index.json", "{\"vae\":[\"diffusers\",\"AutoencoderKL\"],\"safety_checker\":[null,null]}"
                        .getBytes(StandardCharsets.UTF_8),
                "vae/config.json", new byte[0],
                "vae/diffusion_pytorch_model.safetensors", new byte[0],
                "safety_checker/model.safetensors", new byte[0]);
        assertThat(PipelineFiles.select(repo.keySet(), repo::get, "hf:x/y"))
                .containsExactly("model_index.json", "vae/config.json", "vae/diffusion_pytorch_model.safetensors");
    }
}
