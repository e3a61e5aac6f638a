package dev.lumen.engine.density;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.ops.FlopCounter;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The analytic FLOPs a plan reports equal what the engine executes: the transformer runs under a
 * {@link FlopCounter} and every stage is compared exactly, per operator. Also shows the exact
 * cross-attention K/V cache: the caption is projected once per run (prepareCaption) and a forward
 * pass computes no caption keys or values.
 */
class TransformerFlopsTest {

    @ParameterizedTest
    @ValueSource(strings = {"transformer", "transformer-noac"})
    void countedFlopsEqualTheAnalyticModel(String variant) {
        Path dir = Fixtures.model().resolve(variant);
        PixArtConfig config = PixArtConfig.read(dir.resolve("config.json"));
        int rows = 2;
        int captionTokens = 12;
        TokenGrid grid = new TokenGrid(9, 13);
        TransformerFlops analytic = new TransformerFlops(config, rows, grid, captionTokens);
        TokenOperator[] operators = {
                TokenOperator.DENSE, new TokenOperator.KvPool(2, TokenPooling.AVG),
                new TokenOperator.KvPool(4, TokenPooling.NEAREST), new TokenOperator.KvPoolLocal(2, 4),
                new TokenOperator.KvPoolLocal(4, 3), new TokenOperator.MeanV(), new TokenOperator.Coarse(2),
                new TokenOperator.Coarse(4)};
        SplittableRandom random = new SplittableRandom(5);
        try (FlopCounter ops = new FlopCounter(new CpuOps());
             TensorSource weights = TensorSource.open(dir.resolve("diffusion_pytorch_model.safetensors"))) {
            PixArtTransformer model = new PixArtTransformer(config, weights, ops);
            float[] caption = gaussian(random, rows * captionTokens * config.captionChannels());
            float[] mask = new float[rows * captionTokens];
            java.util.Arrays.fill(mask, 1f);
            ops.takeFlops();
            var context = model.prepareCaption(ops.fromHost(caption, rows, captionTokens, config.captionChannels()), mask);
            assertThat(ops.takeFlops()).as("caption preparation").isEqualTo(analytic.captionPreparation());
            var conditioning = model.condition(new float[] {999, 417}, new float[] {72, 104, 72, 104},
                    new float[] {72f / 104, 72f / 104});
            assertThat(ops.takeFlops()).as("conditioning").isEqualTo(analytic.conditioning());
            float[] latents = gaussian(random, rows * 4 * 18 * 26);
            for (TokenOperator op : operators) {
                TokenOperator[] row = new TokenOperator[config.numLayers()];
                java.util.Arrays.fill(row, TokenOperator.DENSE);
                row[0] = op;
                model.forward(ops.fromHost(latents, rows, 4, 18, 26), context, conditioning, row);
                assertThat(ops.takeFlops()).as(op.label()).isEqualTo(analytic.forward(row));
            }
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
