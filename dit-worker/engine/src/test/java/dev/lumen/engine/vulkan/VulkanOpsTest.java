package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.SafetensorsWriter;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every {@link VulkanOps} operation against {@link CpuOps} on random inputs of awkward sizes (not
 * multiples of any tile, batch > 1, padded masks, single rows), with weights stored as F32, F16
 * and BF16 and read by both backends from the same checkpoint file. The measure is
 * ‖out − ref‖ / ‖ref‖ ≤ 1e-4. Runs on whatever Vulkan device the machine has (lavapipe on CI) and
 * fails, rather than skips, when there is none.
 */
class VulkanOpsTest {
    private static final double TOLERANCE = 1e-4;

    private static VulkanOps vk;
    private static final CpuOps cpu = new CpuOps();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void open() {
        vk = ValidatedVulkan.open("lumen-ops-test");
        System.out.println("VulkanOpsTest on " + vk.capabilities().name());
    }

    @AfterAll
    static void close() {
        ValidatedVulkan.close(vk);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static float[] random(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static int size(int... shape) {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    /** The same host values on both backends. */
    private record Pair(Tensor vk, Tensor cpu) {
    }

    private static Pair input(long seed, double scale, int... shape) {
        float[] v = random(seed, size(shape), scale);
        return new Pair(vk.fromHost(v, shape), cpu.fromHost(v, shape));
    }

    /** Writes weights (name → values, shape) in {@code dtype} and loads them on both backends. */
    private static final class WeightFile implements AutoCloseable {
        private final TensorSource source;

        WeightFile(DType dtype, Object... nameValuesShape) throws IOException {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (int i = 0; i < nameValuesShape.length; i += 3) {
                int[] shape = (int[]) nameValuesShape[i + 2];
                writer.add((String) nameValuesShape[i], dtype, (float[]) nameValuesShape[i + 1],
                        Arrays.stream(shape).asLongStream().toArray());
            }
            Path file = tmp.resolve("w-" + System.nanoTime() + ".safetensors");
            writer.write(file);
            source = TensorSource.open(file);
        }

        Pair get(String name) {
            return new Pair(vk.weight(source, name), cpu.weight(source, name));
        }

        @Override
        public void close() {
            source.close();
        }
    }

    private static double check(String what, Tensor vkOut, Tensor cpuOut) {
        assertThat(vkOut.shape()).as(what + " shape").containsExactly(cpuOut.shape());
        float[] out = vk.toHost(vkOut);
        float[] ref = cpu.toHost(cpuOut);
        double err = Fixtures.relativeError(out, ref);
        System.out.printf("vulkan %-58s relative error %.2e%n", what, err);
        assertThat(err).as(what).isLessThan(TOLERANCE);
        return err;
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void linearMatchesCpu(DType dtype) throws IOException {
        int[][] cases = {{1, 1, 37, 45}, {2, 67, 70, 131}, {1, 5, 256, 64}, {3, 17, 8, 3}};
        for (int[] c : cases) {
            int k = c[2];
            int n = c[3];
            try (WeightFile w = new WeightFile(dtype, "w", random(n * 7L + k, n * k, 0.2), new int[] {n, k},
                    "b", random(n, n, 0.5), new int[] {n})) {
                Pair x = input(k, 1.0, c[0], c[1], k);
                Pair weight = w.get("w");
                Pair bias = w.get("b");
                String what = "linear " + dtype + " " + Arrays.toString(c);
                check(what, vk.linear(x.vk, weight.vk, bias.vk), cpu.linear(x.cpu, weight.cpu, bias.cpu));
                check(what + " no bias", vk.linear(x.vk, weight.vk, null), cpu.linear(x.cpu, weight.cpu, null));
            }
        }
    }

    @Test
    void fusedAttentionMatchesCpu() {
        // {batch, sq, sk, heads, headDim, keyBias, headBias}
        int[][] cases = {
                {2, 37, 29, 3, 24, 1, 0},   // PixArt cross-attention shape with padded captions
                {2, 16, 16, 4, 8, 1, 1},    // tiny T5: masks and relative-position bias
                {1, 1, 5, 2, 8, 0, 0},      // a single query
                {2, 45, 45, 2, 64, 1, 1},   // T5 head dim
                {1, 300, 300, 2, 72, 0, 0}, // PixArt head dim, several key blocks
                {1, 33, 70, 1, 128, 1, 0},  // the largest fused head
        };
        for (int[] c : cases) {
            attentionCase(c);
        }
    }

    @Test
    void largeHeadAttentionMatchesCpu() {
        attentionCase(new int[] {1, 70, 70, 1, 512, 0, 0}); // VAE mid-block: one head of all channels
        attentionCase(new int[] {2, 37, 41, 2, 160, 1, 1});
    }

    private void attentionCase(int[] c) {
        int batch = c[0];
        int sq = c[1];
        int sk = c[2];
        int heads = c[3];
        int d = c[4];
        int width = heads * d;
        Pair q = input(1 + d, 1.0, batch, sq, width);
        Pair k = input(2 + d, 1.0, batch, sk, width);
        Pair v = input(3 + d, 1.0, batch, sk, width);
        Pair keyBias = null;
        if (c[5] == 1) {
            float[] kb = new float[batch * sk];
            for (int b = 0; b < batch; b++) {
                // Row b keeps its first sk − 3b keys; T5 masks with −FLT_MAX, PixArt with −10000.
                for (int j = sk - 3 * b; j < sk; j++) {
                    kb[b * sk + j] = b % 2 == 0 ? -10000f : -Float.MAX_VALUE;
                }
            }
            keyBias = new Pair(vk.fromHost(kb, batch, sk), cpu.fromHost(kb, batch, sk));
        }
        Pair headBias = c[6] == 1 ? input(5, 2.0, heads, sq, sk) : null;
        float scale = (float) (1 / Math.sqrt(d));
        check("attention " + Arrays.toString(c),
                vk.attention(q.vk, k.vk, v.vk, heads, scale, keyBias == null ? null : keyBias.vk,
                        headBias == null ? null : headBias.vk),
                cpu.attention(q.cpu, k.cpu, v.cpu, heads, scale, keyBias == null ? null : keyBias.cpu,
                        headBias == null ? null : headBias.cpu));
    }

    // ---- token rows (regional attention) -------------------------------------------------------

    /** Key ranges of sorted segments (each query sees its own segment, as regional self-attention does). */
    private static int[] segmentRanges(int sq, int... segmentLengths) {
        int[] ranges = new int[2 * sq];
        int at = 0;
        int start = 0;
        for (int len : segmentLengths) {
            for (int i = 0; i < len && at < sq; i++, at++) {
                ranges[2 * at] = start;
                ranges[2 * at + 1] = start + len;
            }
            start += len;
        }
        return ranges;
    }

    /** Arbitrary, non-monotone non-empty ranges: what the kernels must get right without relying on order. */
    private static int[] randomRanges(long seed, int sq, int sk) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ranges = new int[2 * sq];
        for (int i = 0; i < sq; i++) {
            int a = r.nextInt(sk);
            int b = r.nextInt(sk);
            ranges[2 * i] = Math.min(a, b);
            ranges[2 * i + 1] = Math.max(a, b) + 1;
        }
        return ranges;
    }

    @Test
    void rangedAttentionMatchesCpu() {
        // {batch, sq, sk, heads, headDim, kv batch}, with segment and random ranges each.
        int[][] cases = {
                {2, 77, 77, 2, 24, 2},    // the fixture's heads (one thread per query), self-attention shape
                {2, 77, 19, 2, 24, 1},    // cross-attention to shared region captions
                {1, 300, 300, 2, 72, 1},  // PixArt-XL heads (eight lanes per query), several key blocks
                {3, 45, 33, 3, 72, 1},    // shared K/V across three rows
                {1, 33, 70, 1, 128, 1},   // the largest fused head
                {2, 9, 5, 2, 8, 2},       // fewer queries than a workgroup
        };
        for (int[] c : cases) {
            int batch = c[0];
            int sq = c[1];
            int sk = c[2];
            int heads = c[3];
            int d = c[4];
            int width = heads * d;
            Pair q = input(11 + d, 1.0, batch, sq, width);
            Pair k = input(12 + d, 1.0, c[5], sk, width);
            Pair v = input(13 + d, 1.0, c[5], sk, width);
            float scale = (float) (1 / Math.sqrt(d));
            int[] segments = sq == sk ? segmentRanges(sq, sq / 5, 1, sq / 3, sq - sq / 5 - 1 - sq / 3)
                    : segmentRanges(sq, sq / 4, sq / 4, sq - 2 * (sq / 4));
            if (sq != sk) {
                // Cross-attention: query segments of sq tokens read caption segments of the sk keys.
                int[] caption = {0, sk / 3, sk / 2, sk};
                for (int i = 0; i < sq; i++) {
                    int seg = i < sq / 4 ? 0 : i < 2 * (sq / 4) ? 1 : 2;
                    segments[2 * i] = caption[seg];
                    segments[2 * i + 1] = caption[seg + 1];
                }
            }
            for (int[] ranges : new int[][] {segments, randomRanges(c[1] * 31L + d, sq, sk)}) {
                check("rangedAttention " + Arrays.toString(c) + (ranges == segments ? " segments" : " random"),
                        vk.rangedAttention(q.vk, k.vk, v.vk, heads, scale, vk.indices(ranges)),
                        cpu.rangedAttention(q.cpu, k.cpu, v.cpu, heads, scale, cpu.indices(ranges)));
            }
        }
    }

    @Test
    void tokenRowOpsMatchCpu() {
        int n = 37;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (i * 11 + 5) % n; // a permutation (11 and 37 are coprime)
        }
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            rank[order[i]] = i;
        }
        Pair x = input(91, 1.0, 3, n, 20);
        check("gatherTokens", vk.gatherTokens(x.vk, 1, 2, vk.indices(order)), cpu.gatherTokens(x.cpu, 1, 2, cpu.indices(order)));
        check("gatherTokens subset", vk.gatherTokens(x.vk, 0, 3, vk.indices(new int[] {4, 4, 0, 36})),
                cpu.gatherTokens(x.cpu, 0, 3, cpu.indices(new int[] {4, 4, 0, 36})));
        float[] x0 = random(92, 3 * n * 20, 1.0);
        Tensor xv = vk.fromHost(x0, 3, n, 20);
        Tensor xc = cpu.fromHost(x0, 3, n, 20);
        Pair y = input(93, 1.0, 2, n, 20);
        vk.blendTokensInPlace(xv, 1, 0.2f, y.vk, vk.indices(rank));
        cpu.blendTokensInPlace(xc, 1, 0.2f, y.cpu, cpu.indices(rank));
        check("blendTokensInPlace", xv, xc);
        assertThat(Arrays.copyOf(vk.toHost(xv), n * 20)).as("row 0 untouched").containsExactly(Arrays.copyOf(x0, n * 20));
        assertThat(vk.toHost(vk.indices(new int[] {3, 0, 9}))).containsExactly(3f, 0f, 9f);
    }

    @Test
    void indexListsAreCheckedOnTheHost() {
        Pair x = input(94, 1.0, 1, 5, 8);
        assertThatThrownBy(() -> vk.gatherTokens(x.vk, 0, 1, vk.indices(new int[] {5})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range for 5 tokens");
        assertThatThrownBy(() -> vk.rangedAttention(x.vk, x.vk, x.vk, 2, 1f, vk.indices(new int[] {0, 1, 0, 1, 2, 2, 0, 5, 0, 6})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query 2");
        assertThatThrownBy(() -> vk.add(vk.indices(new int[] {1}), x.vk))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index list");
        assertThatThrownBy(() -> vk.indices(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- normalisation ------------------------------------------------------------------------

    @Test
    void layerNormsMatchCpu() {
        Pair x = input(11, 3.0, 2, 37, 72);
        x = new Pair(vk.add(x.vk, vk.fromHost(new float[] {5f}, 1)), cpu.add(x.cpu, cpu.fromHost(new float[] {5f}, 1)));
        check("layerNorm [2,37,72]", vk.layerNorm(x.vk, 1e-6f), cpu.layerNorm(x.cpu, 1e-6f));
        Pair row = input(12, 1.0, 1, 1000);
        check("layerNorm [1,1000]", vk.layerNorm(row.vk, 1e-5f), cpu.layerNorm(row.cpu, 1e-5f));
        Pair mod = input(13, 0.5, 2, 6, 72);
        check("layerNormModulate rows 3/4", vk.layerNormModulate(x.vk, mod.vk, 3, 4, 1e-6f),
                cpu.layerNormModulate(x.cpu, mod.cpu, 3, 4, 1e-6f));
        Pair finalMod = input(14, 0.5, 2, 2, 72);
        check("layerNormModulate final", vk.layerNormModulate(x.vk, finalMod.vk, 0, 1, 1e-6f),
                cpu.layerNormModulate(x.cpu, finalMod.cpu, 0, 1, 1e-6f));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void weightedNormsMatchCpu(DType dtype) throws IOException {
        try (WeightFile w = new WeightFile(dtype, "rms", random(1, 70, 1.0), new int[] {70},
                "gw", random(2, 12, 1.0), new int[] {12}, "gb", random(3, 12, 1.0), new int[] {12})) {
            Pair x = input(21, 2.0, 3, 7, 70);
            Pair rms = w.get("rms");
            check("rmsNorm " + dtype, vk.rmsNorm(x.vk, rms.vk, 1e-6f), cpu.rmsNorm(x.cpu, rms.cpu, 1e-6f));
            Pair img = input(22, 2.0, 2, 12, 9, 11);
            Pair gw = w.get("gw");
            Pair gb = w.get("gb");
            check("groupNorm 4 groups " + dtype, vk.groupNorm(img.vk, 4, gw.vk, gb.vk, 1e-6f),
                    cpu.groupNorm(img.cpu, 4, gw.cpu, gb.cpu, 1e-6f));
            check("groupNorm 12 groups " + dtype, vk.groupNorm(img.vk, 12, gw.vk, gb.vk, 1e-5f),
                    cpu.groupNorm(img.cpu, 12, gw.cpu, gb.cpu, 1e-5f));
        }
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Test
    void activationsMatchCpu() {
        Pair x = input(31, 4.0, 3, 1001);
        check("geluTanh", vk.geluTanh(x.vk), cpu.geluTanh(x.cpu));
        check("silu", vk.silu(x.vk), cpu.silu(x.cpu));
        float[] extremes = {-100f, -30f, -1e-4f, 0f, 1e-4f, 30f, 100f, 5e3f};
        Pair e = new Pair(vk.fromHost(extremes, 8), cpu.fromHost(extremes, 8));
        check("geluTanh extremes", vk.geluTanh(e.vk), cpu.geluTanh(e.cpu));
        check("silu extremes", vk.silu(e.vk), cpu.silu(e.cpu));
    }

    @Test
    void broadcastingMatchesCpu() {
        int[][][] cases = {
                {{2, 5, 7}, {2, 5, 7}},
                {{2, 5, 7}, {7}},
                {{2, 1, 7}, {2, 5, 1}},
                {{2, 3, 4, 5}, {3, 1, 5}},
                {{1}, {4, 3}},
                {{2, 6, 72}, {6, 72}},
        };
        for (int[][] c : cases) {
            Pair a = input(41, 1.0, c[0]);
            Pair b = input(42, 1.0, c[1]);
            String what = Arrays.toString(c[0]) + " ∘ " + Arrays.toString(c[1]);
            check("add " + what, vk.add(a.vk, b.vk), cpu.add(a.cpu, b.cpu));
            check("mul " + what, vk.mul(a.vk, b.vk), cpu.mul(a.cpu, b.cpu));
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void broadcastWithStoredWeightMatchesCpu(DType dtype) throws IOException {
        try (WeightFile w = new WeightFile(dtype, "table", random(43, 6 * 24, 1.0), new int[] {6, 24})) {
            Pair t6 = input(44, 1.0, 3, 6, 24);
            Pair table = w.get("table");
            check("add scale_shift_table " + dtype, vk.add(t6.vk, table.vk), cpu.add(t6.cpu, table.cpu));
        }
    }

    @Test
    void inPlaceUpdatesMatchCpu() {
        float[] x0 = random(51, 2 * 13 * 24, 1.0);
        Tensor xv = vk.fromHost(x0, 2, 13, 24);
        Tensor xc = cpu.fromHost(x0, 2, 13, 24);
        Pair y = input(52, 1.0, 2, 13, 24);
        Pair mod = input(53, 1.0, 2, 6, 24);
        vk.addGatedInPlace(xv, mod.vk, 5, y.vk);
        cpu.addGatedInPlace(xc, mod.cpu, 5, y.cpu);
        check("addGatedInPlace", xv, xc);
        vk.addInPlace(xv, y.vk);
        cpu.addInPlace(xc, y.cpu);
        check("addInPlace", xv, xc);
    }

    // ---- images -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void convolutionsMatchCpu(DType dtype) throws IOException {
        // {batch, cin, h, w, cout, k, stride, padding}
        int[][] cases = {{2, 5, 9, 11, 7, 3, 1, 1}, {1, 4, 8, 6, 9, 1, 1, 0}, {2, 4, 8, 10, 24, 2, 2, 0},
                {1, 3, 5, 5, 70, 3, 1, 1}};
        for (int[] c : cases) {
            int cin = c[1];
            int cout = c[4];
            int k = c[5];
            try (WeightFile w = new WeightFile(dtype, "w", random(61, cout * cin * k * k, 0.3), new int[] {cout, cin, k, k},
                    "b", random(62, cout, 0.5), new int[] {cout})) {
                Pair x = input(63, 1.0, c[0], cin, c[2], c[3]);
                Pair weight = w.get("w");
                Pair bias = w.get("b");
                check("conv2d " + dtype + " " + Arrays.toString(c), vk.conv2d(x.vk, weight.vk, bias.vk, c[6], c[7]),
                        cpu.conv2d(x.cpu, weight.cpu, bias.cpu, c[6], c[7]));
            }
        }
    }

    @Test
    void layoutOpsMatchCpu() {
        Pair img = input(71, 1.0, 2, 5, 7, 3);
        check("upsampleNearest2x", vk.upsampleNearest2x(img.vk), cpu.upsampleNearest2x(img.cpu));
        check("imageToTokens", vk.imageToTokens(img.vk), cpu.imageToTokens(img.cpu));
        Pair tokens = input(72, 1.0, 2, 21, 5);
        check("tokensToImage", vk.tokensToImage(tokens.vk, 3, 7), cpu.tokensToImage(tokens.cpu, 3, 7));
        Pair patches = input(73, 1.0, 2, 3 * 4, 2 * 2 * 8);
        check("unpatchify", vk.unpatchify(patches.vk, 3, 4, 2, 8), cpu.unpatchify(patches.cpu, 3, 4, 2, 8));
        Pair a = input(74, 1.0, 2, 3, 5);
        Pair b = input(75, 1.0, 1, 3, 5);
        check("concat0", vk.concat0(a.vk, b.vk, a.vk), cpu.concat0(a.cpu, b.cpu, a.cpu));
        check("reshape", vk.reshape(a.vk, 6, 5), cpu.reshape(a.cpu, 6, 5));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embeddingAndWeightReadbackMatchCpu(DType dtype) throws IOException {
        try (WeightFile w = new WeightFile(dtype, "table", random(81, 50 * 19, 1.0), new int[] {50, 19})) {
            Pair table = w.get("table");
            int[] ids = {0, 49, 7, 7, 23, 1, 0};
            check("embedding " + dtype, vk.embedding(table.vk, ids), cpu.embedding(table.cpu, ids));
            check("weight toHost " + dtype, table.vk, table.cpu);
            check("concat0 of a stored weight " + dtype, vk.concat0(table.vk, table.vk), cpu.concat0(table.cpu, table.cpu));
            assertThatThrownBy(() -> vk.embedding(table.vk, new int[] {50}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("50");
        }
    }

    // ---- execution model and lifetime ---------------------------------------------------------

    @Test
    void operationsAreBatchedUntilTheHostNeedsAResult() {
        vk.flush();
        long before = vk.submissions();
        Pair x = input(91, 1.0, 2, 9, 16);
        Tensor h = x.vk;
        for (int i = 0; i < 10; i++) {
            h = vk.add(vk.silu(h), x.vk);
        }
        assertThat(vk.submissions()).isEqualTo(before);
        vk.toHost(h);
        assertThat(vk.submissions()).isEqualTo(before + 1);
    }

    @Test
    void scopesReleaseTensorsAndThePoolIsReused() {
        BiFunction<Ops, Tensor, Tensor> step = (ops, x) -> {
            try (Ops.Scope s = ops.scope()) {
                Tensor h = ops.geluTanh(ops.mul(x, x));
                return s.keep(ops.add(h, ops.silu(x)));
            }
        };
        float[] values = random(92, 4 * 33, 1.0);
        Tensor x = vk.fromHost(values, 4, 33);
        Tensor leaked;
        float[] first;
        try (Ops.Scope outer = vk.scope()) {
            Tensor y = step.apply(vk, x);
            first = vk.toHost(y);
            leaked = vk.silu(y);
        }
        long allocations = vk.poolAllocations();
        float[] second;
        try (Ops.Scope outer = vk.scope()) {
            second = vk.toHost(step.apply(vk, x));
        }
        assertThat(second).containsExactly(first);
        assertThat(vk.poolAllocations()).as("the second step reuses the first step's buffers").isEqualTo(allocations);
        assertThatThrownBy(() -> vk.toHost(leaked)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released");
        Tensor view = vk.reshape(x, 33, 4);
        x.close();
        assertThat(vk.toHost(view)).containsExactly(values); // the view keeps the storage alive
        view.close();
        assertThatThrownBy(() -> {
            Ops.Scope a = vk.scope();
            Ops.Scope b = vk.scope();
            try {
                a.close();
            } finally {
                b.close();
                a.close();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("reverse order");
    }

    @Test
    void profilingReportsPerKernelTimes() {
        vk.setProfiling(true);
        try {
            Pair a = input(93, 1.0, 3, 40, 64);
            Pair w = input(94, 1.0, 96, 64);
            vk.toHost(vk.silu(vk.linear(a.vk, w.vk, null)));
            var profile = vk.takeProfile();
            System.out.println("profile: " + profile);
            assertThat(profile).extracting(VulkanOps.KernelProfile::kernel).contains("gemm", "unary");
            assertThat(profile).allSatisfy(p -> {
                assertThat(p.dispatches()).isEqualTo(1);
                assertThat(p.millis()).isGreaterThan(0);
            });
        } finally {
            vk.setProfiling(false);
        }
    }

    @Test
    void cpuScopesAreNoOps() {
        try (Ops.Scope s = cpu.scope()) {
            Tensor t = cpu.fromHost(new float[] {1, 2}, 2);
            assertThat(s.keep(t)).isSameAs(t);
        }
    }
}
