package dev.lumen.engine.vulkan;

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
 */
record KernelTuning(int elementwiseGroup, int reductionGroup, GemmTile gemmTile, GemmTile gemmSkinnyTile,
                    int attentionRows, int maxSharedBytes) {

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
        return new KernelTuning(group, group, big, skinny, attentionRows, shared);
    }

    /** The GEMM tile for an M × N product: skinny tiles keep small-M products from idling threads. */
    GemmTile gemmTileFor(int m) {
        return m <= 16 ? gemmSkinnyTile : gemmTile;
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
