package dev.lumen.engine.vulkan;

import dev.lumen.engine.vulkan.DeviceCapabilities.ComponentType;
import dev.lumen.engine.vulkan.DeviceCapabilities.CooperativeMatrixShape;
import java.util.Comparator;
import java.util.Optional;

/**
 * Workgroup and tile sizes of the {@link VulkanOps} kernels, derived from the device's limits in
 * this one place so that the shaders (which take them as specialization constants) stay generic.
 *
 * @param elementwiseGroup   threads per workgroup of the element-wise and layout kernels
 * @param reductionGroup     threads per workgroup of row reductions (norms, softmax); a power of two
 * @param gemmTile           the 16·TM × 16·TN × BK tile of large matrix products
 * @param gemmSkinnyTile     the tile used when M is small (conditioning vectors, M = batch)
 * @param attentionRows      queries per workgroup of the fused attention (8 threads per query)
 * @param maxSharedBytes     the shared-memory budget per workgroup
 * @param cpuDevice          whether the device is a CPU implementation (lavapipe, SwiftShader)
 * @param coopMatShape       the cooperative matrix shape gemm_coopmat.comp is built with, or null
 *                           where the device cannot run it (see {@link #coopMatUnsupportedReason})
 */
record KernelTuning(int elementwiseGroup, int reductionGroup, GemmTile gemmTile, GemmTile gemmSkinnyTile,
                    int attentionRows, int maxSharedBytes, boolean cpuDevice,
                    CooperativeMatrixShape coopMatShape, int subgroupSize) {

    /** Largest head dimension of the fused attention kernel; larger heads use GEMM + softmax. */
    static final int MAX_FUSED_HEAD_DIM = 128;

    /** Threads per query row in attention.comp (its LANES constant). */
    static final int ATTENTION_LANES = 8;

    /** A GEMM tile: each of the 16 × 16 threads computes tm × tn outputs; bk is the k step. */
    record GemmTile(int tm, int tn, int bk) {
        int rows() {
            return 16 * tm;
        }

        int cols() {
            return 16 * tn;
        }

        int sharedBytes() {
            return bk * (rows() + cols()) * Float.BYTES;
        }
    }

    static KernelTuning forDevice(DeviceCapabilities caps) {
        int maxInvocations = caps.maxComputeWorkGroupInvocations();
        int shared = caps.maxComputeSharedMemorySize();
        // 256 threads keep every vendor's SIMD units busy (8 NVIDIA warps, 4 AMD wave64, 32 lavapipe
        // lanes of 8) while staying within the guaranteed minimum invocation limit of 128 × 2.
        int group = Math.min(256, Integer.highestOneBit(maxInvocations));
        // 64×64×16 tiles need 8 KiB of shared memory; every Vulkan device offers at least 16 KiB.
        GemmTile big = new GemmTile(4, 4, 16);
        GemmTile skinny = new GemmTile(1, 4, 16);
        if (shared >= 2 * new GemmTile(4, 4, 32).sharedBytes()) {
            // Plenty of shared memory (desktop GPUs): a deeper k step halves the barriers per FMA.
            big = new GemmTile(4, 4, 32);
        }
        int attentionRows = Math.min(16, maxInvocations / ATTENTION_LANES);
        boolean cpu = caps.type() == DeviceCapabilities.DeviceType.CPU;
        CooperativeMatrixShape shape =
                coopMatUnsupportedReason(caps).isEmpty() ? coopMatShape(caps).orElseThrow() : null;
        return new KernelTuning(group, group, big, skinny, attentionRows, shared, cpu, shape, caps.subgroupSize());
    }

    // ---- cooperative-matrix GEMM (gemm_coopmat.comp) ---------------------------------------------

    /**
     * A tile of gemm_coopmat.comp: sgRows × sgCols subgroups, each owning fragRows × fragCols
     * accumulator fragments of the device's cm × cn shape, stepping through k by kSteps × ck.
     * Its fields are the kernel's specialization constants 0..8.
     */
    record CoopMatTile(int threads, int cm, int cn, int ck, int sgRows, int sgCols, int fragRows, int fragCols,
                       int kSteps) {
        int rows() {
            return sgRows * fragRows * cm;
        }

        int cols() {
            return sgCols * fragCols * cn;
        }

        int bk() {
            return kSteps * ck;
        }

        /** fp16 A and B tiles with rows padded by 8 halves, one fp32 fragment per subgroup, two max words. */
        int sharedBytes() {
            return 2 * (rows() + cols()) * (bk() + 8) + Float.BYTES * sgRows * sgCols * cm * cn + 2 * Integer.BYTES;
        }
    }

    /** Depth of a gemm_coopmat.comp k step: 32, as gemm.comp's on GPUs. */
    private static final int COOPMAT_BK = 32;
    /** Products with fewer rows or columns than this stay on gemm.comp under {@link CoopMatMode#AUTO}. */
    static final int COOPMAT_MIN_DIM = 64;
    /** Workgroups a product needs before the 128 × 128 tile is used rather than 64 × 64. */
    private static final int COOPMAT_LARGE_TILE_GROUPS = 256;

    /**
     * Why gemm_coopmat.comp cannot run on this device, or empty if it can. It needs a subgroup-scope
     * fp16 × fp16 + fp32 → fp32 shape whose k is a multiple of 8 (cooperative-matrix loads from
     * shared memory are kept 16-byte aligned), fp16 arithmetic, the Vulkan memory model, subgroup
     * arithmetic in compute shaders, one fixed subgroup size (the workgroup is a whole number of
     * subgroups of the size the tile is computed for; devices with a size range, AMD and Intel,
     * would need VK_EXT_subgroup_size_control's required size, which ComputeKernel does not set yet)
     * and room for the 64 × 64 tile.
     */
    static Optional<String> coopMatUnsupportedReason(DeviceCapabilities caps) {
        String device = "device '" + caps.name() + "'";
        if (!caps.cooperativeMatrix()) {
            return Optional.of(device + " does not support VK_KHR_cooperative_matrix");
        }
        if (coopMatShape(caps).isEmpty()) {
            return Optional.of(device + " lists no subgroup-scope FLOAT16*FLOAT16+FLOAT32->FLOAT32 "
                    + "cooperative matrix shape with k a multiple of 8 (it lists " + caps.cooperativeMatrixShapes() + ")");
        }
        if (!caps.shaderFloat16()) {
            return Optional.of(device + " lacks shaderFloat16");
        }
        if (!caps.vulkanMemoryModel()) {
            return Optional.of(device + " lacks the vulkanMemoryModel feature (with its device scope)");
        }
        if (!caps.subgroupsInComputeStage()
                || !caps.subgroupOperations().contains(DeviceCapabilities.SubgroupOperation.ARITHMETIC)) {
            return Optional.of(device + " lacks subgroup arithmetic in compute shaders");
        }
        if (caps.minSubgroupSize() != caps.maxSubgroupSize() || caps.subgroupSize() <= 0) {
            return Optional.of(device + " has a variable subgroup size (" + caps.minSubgroupSize() + ".."
                    + caps.maxSubgroupSize() + ")");
        }
        CoopMatTile small = coopMatTile(coopMatShape(caps).orElseThrow(), caps.subgroupSize(), false);
        if (small.threads() > caps.maxComputeWorkGroupInvocations()
                || small.threads() > caps.maxComputeWorkGroupSize().get(0)
                || small.sharedBytes() > caps.maxComputeSharedMemorySize()) {
            return Optional.of(device + " cannot fit a " + small + " workgroup");
        }
        return Optional.empty();
    }

    /** The shape gemm_coopmat.comp uses: 16 × 16 × 16 where listed (NVIDIA's), else the largest usable. */
    static Optional<CooperativeMatrixShape> coopMatShape(DeviceCapabilities caps) {
        return caps.cooperativeMatrixShapes().stream()
                .filter(s -> s.scope() == DeviceCapabilities.Scope.SUBGROUP && !s.saturatingAccumulation()
                        && s.a() == ComponentType.FLOAT16
                        && s.b() == ComponentType.FLOAT16
                        && s.c() == ComponentType.FLOAT32
                        && s.result() == ComponentType.FLOAT32
                        && s.k() % 8 == 0 && s.k() <= COOPMAT_BK && COOPMAT_BK % s.k() == 0)
                .max(Comparator.comparingInt((CooperativeMatrixShape s) ->
                                s.m() == 16 && s.n() == 16 && s.k() == 16 ? 1 : 0)
                        .thenComparingInt(s -> s.m() * s.n() * s.k()));
    }

    private static CoopMatTile coopMatTile(CooperativeMatrixShape shape, int subgroupSize,
                                           boolean large) {
        // 2 × 2 subgroups; 4 × 4 fragments each (128 × 128 with 16 × 16 fragments) when the product
        // has enough tiles to fill the GPU, else 2 × 2 (64 × 64).
        int frags = large ? 4 : 2;
        return new CoopMatTile(4 * subgroupSize, shape.m(), shape.n(), shape.k(), 2, 2, frags, frags,
                COOPMAT_BK / shape.k());
    }

    /** Whether gemm_coopmat.comp can run on this device. */
    boolean hasCoopMat() {
        return coopMatShape != null;
    }

    /** The gemm_coopmat.comp tile for an M × N product (the device must support the kernel). */
    CoopMatTile coopMatTileFor(int m, int n) {
        CoopMatTile large = coopMatTile(coopMatShape, subgroupSize, true);
        long groups = (long) Math.ceilDiv(m, large.rows()) * Math.ceilDiv(n, large.cols());
        return groups >= COOPMAT_LARGE_TILE_GROUPS && large.sharedBytes() <= maxSharedBytes
                ? large : coopMatTile(coopMatShape, subgroupSize, false);
    }

    /**
     * The GEMM tile for an M × N product: skinny tiles keep small-M products from idling threads,
     * and narrow products (few output channels, e.g. a 16-channel VAE convolution) get a tile only
     * as wide as N, since columns past N are computed and thrown away: a 64-wide tile over 16
     * channels would do four times the work, and for convolutions also gather every input patch
     * into shared memory for a tile that is three-quarters padding.
     */
    GemmTile gemmTileFor(int m, int n) {
        GemmTile base = m <= 16 ? gemmSkinnyTile : gemmTile;
        int tn = Math.max(1, Math.min(base.tn(), Math.ceilDiv(n, 16)));
        return tn == base.tn() ? base : new GemmTile(base.tm(), tn, base.bk());
    }

    /** Largest head dimension of attention_rows.comp, which keeps a query and output row per thread. */
    static final int MAX_ROW_HEAD_DIM = 32;

    /**
     * Whether heads of dimension {@code d} take attention_rows.comp (one thread per query) rather
     * than attention.comp (eight lanes per query). Small heads give each of eight lanes only a few
     * output columns while all of them repeat the row's softmax; up to 32 dims the 2·d floats of
     * query and output fit comfortably in registers. Its vec4 loads need d to be a multiple of 4.
     */
    boolean attentionRowPerThread(int d) {
        return d <= MAX_ROW_HEAD_DIM && d % 4 == 0 && attentionRowKeyBlock(d) > 0;
    }

    /**
     * Queries per thread of attention_rows.comp: 1 on GPUs, where a shared-memory word read by all
     * threads at once is a broadcast; 4 on CPU devices (lavapipe), which gather it lane by lane, so
     * that each K/V read there serves four queries.
     */
    int attentionRowQueries() {
        return cpuDevice ? 4 : 1;
    }

    /** Threads per workgroup of attention_rows.comp. */
    int attentionRowGroup() {
        return Math.min(64, elementwiseGroup);
    }

    /** Keys per block of attention_rows.comp: K and V blocks of up to 64 keys; 0 if none fits. */
    int attentionRowKeyBlock(int d) {
        for (int bc = 64; bc >= 8; bc /= 2) {
            if (2L * bc * d * Float.BYTES <= maxSharedBytes) {
                return bc;
            }
        }
        return 0;
    }

    /** Most output channels for which convolutions take conv2d_direct.comp rather than the implicit GEMM. */
    static final int MAX_DIRECT_CONV_CHANNELS = 32;

    /**
     * Output channels per thread of conv2d_direct.comp for a convolution with {@code cout}
     * outputs (the smallest of 4, 8, 16, 32 covering them), or 0 where cout is wide enough for
     * conv2d.comp's 16·TN-column GEMM tiles to be full and its shared-memory reuse to pay off.
     */
    int convDirectChannels(int cout) {
        if (cout > MAX_DIRECT_CONV_CHANNELS) {
            return 0;
        }
        int nb = 4;
        while (nb < cout) {
            nb *= 2;
        }
        return nb;
    }

    /**
     * Output pixels per thread of conv2d_direct.comp with {@code channels} channels per thread:
     * each weight read then feeds that many multiply-adds, while the accumulators (pixels ×
     * channels) stay at 64, within what a GPU keeps in registers without spilling. CPU devices
     * (lavapipe) load the uniform weight once per lane, so there longer runs (128 accumulators,
     * which a CPU keeps in cache) halve the weight loads per multiply-add.
     */
    int convDirectPixels(int channels) {
        return cpuDevice ? Math.max(1, Math.min(8, 128 / channels)) : Math.max(1, Math.min(4, 64 / channels));
    }

    /** Threads per workgroup of conv2d_direct.comp. */
    int convDirectGroup() {
        return Math.min(64, elementwiseGroup);
    }

    /**
     * Keys per block of the fused attention for head dimension {@code d}: the largest of 64, 32,
     * 16, 8 whose Q, K, V and score tiles fit the shared-memory budget.
     */
    int attentionKeyBlock(int d) {
        for (int bc = 64; bc >= 8; bc /= 2) {
            long bytes = (long) Float.BYTES * (attentionRows * d + 2L * bc * d + (long) attentionRows * bc);
            if (bytes <= maxSharedBytes) {
                return bc;
            }
        }
        throw new IllegalStateException("no attention key block fits " + maxSharedBytes + " B of shared memory for head dim " + d);
    }
}
