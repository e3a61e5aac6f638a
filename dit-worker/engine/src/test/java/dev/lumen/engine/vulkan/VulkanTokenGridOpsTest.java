package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.tensor.Tensor;
import dev.lumen.engine.testing.Fixtures;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The token-density kernels (pool_tokens, upsample_tokens, attention_local) against the CPU
 * reference on random inputs of awkward sizes: grids not divisible by the cell or window, batch 2,
 * head widths that are no power of two. Measure ‖out − ref‖ / ‖ref‖ ≤ 1e-4, under the validation
 * layer where installed.
 */
class VulkanTokenGridOpsTest {
    private static final double TOLERANCE = 1e-4;
    private static VulkanOps vk;
    private static final CpuOps cpu = new CpuOps();

    @BeforeAll
    static void open() {
        vk = ValidatedVulkan.open("lumen-density-test");
    }

    @AfterAll
    static void close() {
        ValidatedVulkan.close(vk);
    }

    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private record Pair(Tensor vk, Tensor cpu) {
    }

    private static Pair input(long seed, int... shape) {
        float[] v = random(seed, Arrays.stream(shape).reduce(1, (a, b) -> a * b));
        return new Pair(vk.fromHost(v, shape), cpu.fromHost(v, shape));
    }

    private static void check(String what, Tensor vkOut, Tensor cpuOut) {
        assertThat(vkOut.shape()).as(what + " shape").containsExactly(cpuOut.shape());
        double err = Fixtures.relativeError(vk.toHost(vkOut), cpu.toHost(cpuOut));
        System.out.printf("vulkan %-58s relative error %.2e%n", what, err);
        assertThat(err).as(what).isLessThan(TOLERANCE);
    }

    @Test
    void poolingAndUpsamplingMatchCpu() {
        int[][] grids = {{9, 13}, {10, 14}, {1, 7}, {5, 5}};
        for (int[] g : grids) {
            Pair x = input(g[0] * 31L + g[1], 2, g[0] * g[1], 37);
            for (int cell : new int[] {2, 4, Math.max(g[0], g[1])}) {
                for (TokenPooling mode : TokenPooling.values()) {
                    String what = "poolTokens " + mode + " " + g[0] + "×" + g[1] + " cell " + cell;
                    check(what, vk.poolTokens(x.vk, g[0], g[1], cell, mode), cpu.poolTokens(x.cpu, g[0], g[1], cell, mode));
                }
                int cells = Math.ceilDiv(g[0], cell) * Math.ceilDiv(g[1], cell);
                Pair y = input(cell * 7L + cells, 2, cells, 37);
                check("upsampleTokens " + g[0] + "×" + g[1] + " cell " + cell, vk.upsampleTokens(y.vk, g[0], g[1], cell),
                        cpu.upsampleTokens(y.cpu, g[0], g[1], cell));
            }
        }
    }

    @Test
    void localPooledAttentionMatchesCpu() {
        // {height, width, heads, head width, window, cell}
        int[][] cases = {{9, 13, 2, 24, 4, 2}, {10, 14, 3, 20, 3, 4}, {6, 10, 1, 72, 4, 2}, {7, 3, 4, 6, 8, 2}};
        for (int[] c : cases) {
            int tokens = c[0] * c[1];
            int width = c[2] * c[3];
            int cells = Math.ceilDiv(c[0], c[5]) * Math.ceilDiv(c[1], c[5]);
            Pair q = input(1, 2, tokens, width);
            Pair k = input(2, 2, tokens, width);
            Pair v = input(3, 2, tokens, width);
            Pair pk = input(4, 2, cells, width);
            Pair pv = input(5, 2, cells, width);
            float scale = (float) (1 / Math.sqrt(c[3]));
            check("localPooledAttention " + Arrays.toString(c),
                    vk.localPooledAttention(q.vk, k.vk, v.vk, pk.vk, pv.vk, c[2], scale, c[0], c[1], c[4], c[5]),
                    cpu.localPooledAttention(q.cpu, k.cpu, v.cpu, pk.cpu, pv.cpu, c[2], scale, c[0], c[1], c[4], c[5]));
        }
    }
}
