package dev.lumen.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The CPU token-grid operations on hand-checked values, edge cells included. */
class TokenGridOpsTest {
    private final CpuOps ops = new CpuOps();

    /** A 3×5 grid whose token (r, c) holds [10r + c, −(10r + c)]. */
    private Tensor grid() {
        float[] v = new float[15 * 2];
        for (int t = 0; t < 15; t++) {
            float value = 10 * (t / 5) + t % 5;
            v[2 * t] = value;
            v[2 * t + 1] = -value;
        }
        return ops.fromHost(v, 1, 15, 2);
    }

    @Test
    void averagePoolingAveragesOnlyTheTokensOnTheGrid() {
        float[] pooled = ops.toHost(ops.poolTokens(grid(), 3, 5, 2, TokenPooling.AVG));
        // Cells: rows {0,1} and {2}; columns {0,1}, {2,3}, {4}.
        float[] expected = {5.5f, 7.5f, 9f, 20.5f, 22.5f, 24f};
        for (int c = 0; c < 6; c++) {
            assertThat(pooled[2 * c]).as("cell " + c).isEqualTo(expected[c]);
            assertThat(pooled[2 * c + 1]).isEqualTo(-expected[c]);
        }
        float[] mean = ops.toHost(ops.poolTokens(grid(), 3, 5, 5, TokenPooling.AVG));
        assertThat(mean).containsExactly(12f, -12f);
    }

    @Test
    void nearestPoolingKeepsTheTopLeftToken() {
        float[] pooled = ops.toHost(ops.poolTokens(grid(), 3, 5, 2, TokenPooling.NEAREST));
        assertThat(pooled).containsExactly(0, -0f, 2, -2, 4, -4, 20, -20, 22, -22, 24, -24);
    }

    @Test
    void upsamplingGivesEveryTokenItsCell() {
        Tensor cells = ops.fromHost(new float[] {1, 2, 3, 4, 5, 6}, 1, 6, 1);
        assertThat(ops.toHost(ops.upsampleTokens(cells, 3, 5, 2)))
                .containsExactly(1, 1, 2, 2, 3, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6);
    }

    @Test
    void localPooledAttentionWithOneKeyPerWindowAndCell() {
        // 1×2 grid, window 1, cell 2: token 0 sees itself and the pooled cell (count 2, bias ln 2).
        // With zero queries every score is 0 + bias: weights 1 : 2 between own and pooled value.
        Tensor q = ops.fromHost(new float[] {0, 0}, 1, 2, 1);
        Tensor v = ops.fromHost(new float[] {3, 9}, 1, 2, 1);
        Tensor pooled = ops.poolTokens(v, 1, 2, 2, TokenPooling.AVG);
        float[] out = ops.toHost(ops.localPooledAttention(q, v, v, pooled, pooled, 1, 1f, 1, 2, 1, 2));
        assertThat(out[0]).isCloseTo((3 + 2 * 6) / 3f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(out[1]).isCloseTo((9 + 2 * 6) / 3f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void shapesThatAreNotTheGridAreRejected() {
        assertThatThrownBy(() -> ops.poolTokens(grid(), 4, 5, 2, TokenPooling.AVG))
                .hasMessageContaining("is not [batch, 4·5 tokens, channels]");
        assertThatThrownBy(() -> ops.upsampleTokens(grid(), 3, 5, 2)).hasMessageContaining("6 cells of 2×2");
        assertThatThrownBy(() -> ops.poolTokens(grid(), 3, 5, 0, TokenPooling.AVG)).hasMessageContaining("cell must be at least 1");
    }
}
