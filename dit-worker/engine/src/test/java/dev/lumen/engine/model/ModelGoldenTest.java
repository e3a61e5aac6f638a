package dev.lumen.engine.model;

import static dev.lumen.engine.testing.Fixtures.reportedError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.model.t5.T5Config;
import dev.lumen.engine.model.t5.T5Encoder;
import dev.lumen.engine.model.vae.VaeConfig;
import dev.lumen.engine.model.vae.VaeDecoder;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import dev.lumen.engine.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each model against the tensors the diffusers / transformers reference produced on the same
 * weights, on the CPU backend; subclasses run the same checks on another backend ({@link #newOps()}).
 */
class ModelGoldenTest {
    private static final double FP32_TOLERANCE = 1e-4;
    private Ops ops;

    /** The backend under test; one per test method, closed after it. */
    protected Ops newOps() {
        return new CpuOps();
    }

    @BeforeEach
    void openBackend() {
        ops = newOps();
    }

    @AfterEach
    void closeBackend() {
        ops.close();
    }

    @Test
    void t5EncoderMatchesTransformers() {
        Path dir = Fixtures.model().resolve("text_encoder");
        try (TensorSource weights = TensorSource.open(dir.resolve("model.safetensors"));
             TensorSource golden = Fixtures.golden("text_encoder.safetensors")) {
            T5Encoder encoder = new T5Encoder(T5Config.read(dir.resolve("config.json")), weights, ops);
            int[][] ids = Fixtures.rows(golden.floats("input_ids"), 5);
            int[][] mask = Fixtures.rows(golden.floats("attention_mask"), 5);
            float[] out = ops.toHost(encoder.encode(ids, mask));
            float[] ref = golden.floats("last_hidden_state");
            // Padding rows attend only to real tokens and are masked downstream; the reference
            // computes them too, so the whole tensor is compared.
            assertThat(reportedError("text_encoder last_hidden_state", out, ref)).isLessThan(FP32_TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"transformer, ''", "transformer, _rect", "transformer-noac, ''", "transformer-noac, _rect"})
    void pixartTransformerMatchesDiffusers(String variant, String suffix) {
        Path dir = Fixtures.model().resolve(variant);
        boolean microConditions = variant.equals("transformer");
        try (TensorSource weights = TensorSource.open(dir.resolve("diffusion_pytorch_model.safetensors"));
             TensorSource golden = Fixtures.golden("transformer.safetensors")) {
            PixArtConfig config = PixArtConfig.read(dir.resolve("config.json"));
            assertThat(config.useAdditionalConditions()).isEqualTo(microConditions);
            PixArtTransformer model = new PixArtTransformer(config, weights, ops);
            Tensor caption = ops.fromHost(golden.floats("encoder_hidden_states"), 2, 12, 32);
            var context = model.prepareCaption(caption, golden.floats("encoder_attention_mask"));
            float[] latents = golden.floats("hidden_states" + suffix);
            int[] shape = golden.info("hidden_states" + suffix).intShape();
            var conditioning = model.condition(golden.floats("timestep"),
                    microConditions ? golden.floats("resolution" + suffix) : null,
                    microConditions ? golden.floats("aspect_ratio" + suffix) : null);
            float[] out = ops.toHost(model.forward(ops.fromHost(latents, shape), context, conditioning));
            String expected = (microConditions ? "output" : "output_noac") + suffix;
            assertThat(reportedError(variant + " " + expected, out, golden.floats(expected))).isLessThan(FP32_TOLERANCE);
        }
    }

    @ParameterizedTest
    @CsvSource({"''", "_rect"})
    void vaeDecoderMatchesDiffusers(String suffix) {
        Path dir = Fixtures.model().resolve("vae");
        try (TensorSource weights = TensorSource.open(dir.resolve("diffusion_pytorch_model.safetensors"));
             TensorSource golden = Fixtures.golden("vae.safetensors")) {
            VaeDecoder vae = new VaeDecoder(VaeConfig.read(dir.resolve("config.json")), weights, ops);
            Tensor latents = ops.fromHost(golden.floats("latents" + suffix), golden.info("latents" + suffix).intShape());
            float[] out = ops.toHost(vae.decode(latents));
            assertThat(reportedError("vae image" + suffix, out, golden.floats("image" + suffix))).isLessThan(FP32_TOLERANCE);
        }
    }
}
