#version 450
// Batched C = A · B (+ bias[n]): A [M, K] fp32 rows, B either [N, K] (a linear layer's weight, any
// stored dtype) or [K, N] (fp32, the values of the large-head attention path). Workgroup z is a
// batch index split as (outer, inner) = (z / batchInner, z % batchInner) so that [B, S, H·d]
// tensors can be addressed per (batch, head) without copies.
#include "common.glsl"

layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN = 4;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint B_TYPE = 0;
layout(constant_id = 5) const uint BIAS_TYPE = 0;
layout(constant_id = 6) const bool HAS_BIAS = false;
// true: B is [N, K] (y = x·Wᵀ); false: B is [K, N].
layout(constant_id = 7) const bool B_NK = true;

layout(set = 0, binding = 0, std430) readonly buffer A { float a[]; };
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

uint aBase;
uint bBase;
uint cBase;

float loadA(uint m, uint k) {
    return a[aBase + m * p.lda + k];
}

float loadB(uint n, uint k) {
    uint i = B_NK ? bBase + n * p.ldb + k : bBase + k * p.ldb + n;
    return LOAD_TYPED(b, i, B_TYPE);
}

void storeC(uint m, uint n, float acc) {
    // The CPU reference adds the bias to the finished dot product; so does this.
    c[cBase + m * p.ldc + n] = HAS_BIAS ? LOAD_TYPED(bias, n, BIAS_TYPE) + acc : acc;
}

const bool B_K_FASTEST = B_NK;
#include "gemm_tile.glsl"

void main() {
    uint z = gl_WorkGroupID.z;
    uint outer = z / p.batchInner;
    uint inner = z % p.batchInner;
    aBase = p.aOff + outer * p.aOuter + inner * p.aInner;
    bBase = p.bOff + outer * p.bOuter + inner * p.bInner;
    cBase = p.cOff + outer * p.cOuter + inner * p.cInner;
    // Row tiles are grid-strided: M can need more workgroups than a dispatch axis allows.
    uint rowTiles = (p.M + BM - 1u) / BM;
    for (uint tile = gl_WorkGroupID.y; tile < rowTiles; tile += gl_NumWorkGroups.y) {
        gemmTile(p.M, p.N, p.K, tile * BM, gl_WorkGroupID.x * BN);
    }
}
