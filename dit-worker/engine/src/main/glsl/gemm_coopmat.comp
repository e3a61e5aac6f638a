#version 450
// Batched C = A · Bᵀ (+ bias[n]) on cooperative matrices (VK_KHR_cooperative_matrix, tensor cores on
// NVIDIA): A [M, K] fp32 rows (activations), B [N, K] fp16 (a linear layer's weight as stored), C
// [M, N] fp32. The same push constants and batch addressing as gemm.comp, so VulkanOps can route a
// product to either kernel. EXECUTED SO FAR ONLY ON LAVAPIPE (Mesa 26.1/26.2: 8 × 8 × 8 shapes,
// subgroups of 8; bench/lavapipe-coopmat.sh), where CoopMatGemmTest passes against the CPU backend;
// not yet on a GPU (NVIDIA: 16 × 16 × 16, subgroups of 32), which bench/vulkan-gpu.sh checks first.
//
// Precision: A is rounded to fp16 while it is staged into shared memory (B already is fp16); the
// products are summed in fp32 accumulators and the output is fp32, as gemm.comp's. Activations
// beyond the fp16 range (T5's feed-forward outputs reach 1e4..1e5) would become inf, so every k step
// the workgroup takes the largest |a| of the A tile and, if it is 2^15 or more, stages A scaled by a
// power of two 2^-s (s grows monotonically per workgroup; the fp32 accumulators are scaled by the
// same power when s grows, which is exact) and scales the result back by 2^s when storing. Values
// then lose relative precision only where they are tiny next to the tile's largest.
//
// Layout: a workgroup is SG_ROWS × SG_COLS subgroups; each subgroup owns FRAG_ROWS × FRAG_COLS
// accumulator fragments of CM_M × CM_N (the device's cooperative matrix shape), so a workgroup
// computes a BM × BN tile, BM = SG_ROWS·FRAG_ROWS·CM_M, BN = SG_COLS·FRAG_COLS·CM_N, stepping
// through K by BK = K_STEPS·CM_K. A and B tiles are zero-padded in shared memory past M, N and K,
// and the result is staged through shared memory so stores past M or N are skipped; any M, N, K
// is correct. The workgroup size (constant 0) must be SG_ROWS·SG_COLS times the subgroup size the
// pipeline runs with: VulkanOps only selects this kernel on devices with one fixed subgroup size.
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_control_flow_attributes : enable
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint CM_M = 16;
layout(constant_id = 2) const uint CM_N = 16;
layout(constant_id = 3) const uint CM_K = 16;
layout(constant_id = 4) const uint SG_ROWS = 2;
layout(constant_id = 5) const uint SG_COLS = 2;
layout(constant_id = 6) const uint FRAG_ROWS = 2;
layout(constant_id = 7) const uint FRAG_COLS = 2;
layout(constant_id = 8) const uint K_STEPS = 2;
layout(constant_id = 9) const uint BIAS_TYPE = 0;
layout(constant_id = 10) const bool HAS_BIAS = false;

layout(set = 0, binding = 0, std430) readonly buffer A { float a[]; };
// fp16 weights, two per 32-bit word (element i is the low half of word i/2 when i is even).
layout(set = 0, binding = 1, std430) readonly buffer B { uint b[]; };
layout(set = 0, binding = 2, std430) readonly buffer Bias { uint bias[]; };
layout(set = 0, binding = 3, std430) writeonly buffer C { float c[]; };

layout(push_constant, std430) uniform Params {
    uint M, N, K;
    uint lda, ldb, ldc;
    uint batchInner;
    uint aOff, aOuter, aInner;
    uint bOff, bOuter, bInner;
    uint cOff, cOuter, cInner;
} p;

const uint THREADS = gl_WorkGroupSize.x;
const uint SUBGROUPS = SG_ROWS * SG_COLS;
const uint BM = SG_ROWS * FRAG_ROWS * CM_M;
const uint BN = SG_COLS * FRAG_COLS * CM_N;
const uint BK = K_STEPS * CM_K;
// Rows padded by 8 halves: strides stay multiples of 16 bytes (cooperative matrix loads want that
// alignment) while consecutive rows start in different shared-memory banks.
const uint A_STRIDE = BK + 8u;
const uint B_STRIDE = BK + 8u;
// A values each thread stages per k step (BM·BK is a multiple of THREADS for every selected tile).
const uint A_PER_THREAD = (BM * BK + THREADS - 1u) / THREADS;
// Largest |a| staged unscaled: below 2^15 nothing rounds to fp16's inf (65520 and up would).
const float FP16_SAFE = 32768.0;

// A row-major [BM][A_STRIDE]; B column-major, one row of A_STRIDE per output column n: [BN][B_STRIDE].
shared float16_t tileA[BM * A_STRIDE];
shared float16_t tileB[BN * B_STRIDE];
// One CM_M × CM_N fragment per subgroup, on its way to global memory.
shared float outStage[SUBGROUPS * CM_M * CM_N];
// Bits of the largest |a| of the A tile, for two k steps alternately (see main's loop).
shared uint tileMaxBits[2];

uint aBase;
uint bBase;
uint cBase;

float16_t loadB16(uint index) {
    uint word = b[index >> 1];
    return unpackFloat2x16(word)[index & 1u];
}

void main() {
    uint z = gl_WorkGroupID.z;
    uint outer = z / p.batchInner;
    uint inner = z % p.batchInner;
    aBase = p.aOff + outer * p.aOuter + inner * p.aInner;
    bBase = p.bOff + outer * p.bOuter + inner * p.bInner;
    cBase = p.cOff + outer * p.cOuter + inner * p.cInner;

    uint tid = gl_LocalInvocationIndex;
    uint sg = gl_SubgroupID;
    uint sgRow = sg / SG_COLS;
    uint sgCol = sg % SG_COLS;
    uint n0 = gl_WorkGroupID.x * BN;
    uint rowTiles = (p.M + BM - 1u) / BM;

    // Row tiles are grid-strided like gemm.comp's: M can need more workgroups than an axis allows.
    for (uint tile = gl_WorkGroupID.y; tile < rowTiles; tile += gl_NumWorkGroups.y) {
        uint m0 = tile * BM;
        coopmat<float, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator> acc[FRAG_ROWS * FRAG_COLS];
        [[unroll]] for (uint i = 0u; i < FRAG_ROWS * FRAG_COLS; i++) {
            acc[i] = coopmat<float, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>(0.0);
        }
        // The power of two the staged A is divided by: 2^-scaleExp.
        int scaleExp = 0;
        if (tid == 0u) {
            tileMaxBits[0] = 0u;
            tileMaxBits[1] = 0u;
        }
        barrier();

        uint step = 0u;
        for (uint k0 = 0u; k0 < p.K; k0 += BK, step++) {
            // Global → registers: A (fp32) with its largest magnitude, consecutive threads along k.
            float aVals[A_PER_THREAD];
            float localMax = 0.0;
            [[unroll]] for (uint j = 0u; j < A_PER_THREAD; j++) {
                uint idx = tid + j * THREADS;
                uint r = idx / BK;
                uint kk = idx % BK;
                uint m = m0 + r;
                uint k = k0 + kk;
                float v = (idx < BM * BK && m < p.M && k < p.K) ? a[aBase + m * p.lda + k] : 0.0;
                aVals[j] = v;
                localMax = max(localMax, abs(v));
            }
            localMax = subgroupMax(localMax);
            uint slot = step & 1u;
            if (subgroupElect()) {
                // Non-negative floats order as their bit patterns do.
                atomicMax(tileMaxBits[slot], floatBitsToUint(localMax));
            }
            // Also: every subgroup has finished the previous step's multiply, so the tiles are free.
            barrier();
            float tileMax = uintBitsToFloat(tileMaxBits[slot]);
            if (tid == 0u) {
                // The other slot is next written after the barrier below, which every reader of it
                // (the step before) has long passed.
                tileMaxBits[slot ^ 1u] = 0u;
            }
            // Uniform across the workgroup: every thread read the same tileMax. inf/NaN inputs stay
            // as they are (the CPU reference's result is not finite either).
            if (tileMax >= FP16_SAFE && !isinf(tileMax) && !isnan(tileMax)) {
                int e;
                frexp(tileMax, e); // tileMax < 2^e
                int wanted = e - 15; // tileMax · 2^-wanted < 2^15
                if (wanted > scaleExp) {
                    float rescale = ldexp(1.0, scaleExp - wanted);
                    [[unroll]] for (uint i = 0u; i < FRAG_ROWS * FRAG_COLS; i++) {
                        acc[i] = acc[i] * rescale;
                    }
                    scaleExp = wanted;
                }
            }
            [[unroll]] for (uint j = 0u; j < A_PER_THREAD; j++) {
                uint idx = tid + j * THREADS;
                if (idx < BM * BK) {
                    uint r = idx / BK;
                    uint kk = idx % BK;
                    tileA[r * A_STRIDE + kk] = float16_t(ldexp(aVals[j], -scaleExp));
                }
            }
            // B: [N, K] fp16, consecutive threads along k of one column (coalesced).
            for (uint idx = tid; idx < BN * BK; idx += THREADS) {
                uint col = idx / BK;
                uint kk = idx % BK;
                uint n = n0 + col;
                uint k = k0 + kk;
                tileB[col * B_STRIDE + kk] = (n < p.N && k < p.K)
                        ? loadB16(bBase + n * p.ldb + k) : float16_t(0.0);
            }
            barrier();

            [[unroll]] for (uint ks = 0u; ks < K_STEPS; ks++) {
                coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_K, gl_MatrixUseA> fragA[FRAG_ROWS];
                [[unroll]] for (uint i = 0u; i < FRAG_ROWS; i++) {
                    uint row = (sgRow * FRAG_ROWS + i) * CM_M;
                    coopMatLoad(fragA[i], tileA, row * A_STRIDE + ks * CM_K, A_STRIDE,
                            gl_CooperativeMatrixLayoutRowMajor);
                }
                [[unroll]] for (uint j = 0u; j < FRAG_COLS; j++) {
                    coopmat<float16_t, gl_ScopeSubgroup, CM_K, CM_N, gl_MatrixUseB> fragB;
                    uint col = (sgCol * FRAG_COLS + j) * CM_N;
                    // Element (k, n) of B's K × N fragment is at n·B_STRIDE + k: column-major.
                    coopMatLoad(fragB, tileB, col * B_STRIDE + ks * CM_K, B_STRIDE,
                            gl_CooperativeMatrixLayoutColumnMajor);
                    [[unroll]] for (uint i = 0u; i < FRAG_ROWS; i++) {
                        acc[i * FRAG_COLS + j] = coopMatMulAdd(fragA[i], fragB, acc[i * FRAG_COLS + j]);
                    }
                }
            }
        }

        // Epilogue: each subgroup writes its fragments through its own shared-memory slot, so that
        // rows past M and columns past N are skipped and the bias is added as the CPU reference
        // does, to the finished dot product.
        float unscale = ldexp(1.0, scaleExp);
        uint stageBase = sg * CM_M * CM_N;
        [[unroll]] for (uint i = 0u; i < FRAG_ROWS; i++) {
            [[unroll]] for (uint j = 0u; j < FRAG_COLS; j++) {
                coopMatStore(acc[i * FRAG_COLS + j], outStage, stageBase, CM_N, gl_CooperativeMatrixLayoutRowMajor);
                subgroupMemoryBarrierShared();
                subgroupBarrier();
                uint rowBase = m0 + (sgRow * FRAG_ROWS + i) * CM_M;
                uint colBase = n0 + (sgCol * FRAG_COLS + j) * CM_N;
                for (uint e = gl_SubgroupInvocationID; e < CM_M * CM_N; e += gl_SubgroupSize) {
                    uint m = rowBase + e / CM_N;
                    uint n = colBase + e % CM_N;
                    if (m < p.M && n < p.N) {
                        float v = outStage[stageBase + e] * unscale;
                        c[cBase + m * p.ldc + n] = HAS_BIAS ? LOAD_TYPED(bias, n, BIAS_TYPE) + v : v;
                    }
                }
                // The slot is rewritten by the next fragment only after every lane has read it.
                subgroupMemoryBarrierShared();
                subgroupBarrier();
            }
        }
        // The next row tile reuses the tiles and tileMaxBits.
        barrier();
    }
}
