#version 450
// 2-D convolution (cross-correlation, zero padding) as an implicit GEMM: rows are output pixels
// of every image (m = b·OH·OW + pixel), columns output channels, k runs over (channel, dy, dx) —
// the weight [O, C, kh, kw] is then already the [N, K] matrix. Patches are gathered on the fly,
// never materialised; results are scattered straight to NCHW.
#include "common.glsl"

layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN = 4;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint W_TYPE = 0;
layout(constant_id = 5) const uint BIAS_TYPE = 0;
layout(constant_id = 6) const bool HAS_BIAS = false;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer W { uint w[]; };
layout(set = 0, binding = 2, std430) readonly buffer Bias { uint bias[]; };
layout(set = 0, binding = 3, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint batch, cin, height, width;
    uint cout, kh, kw, stride;
    int padding;
    uint oh, ow;
} p;

float loadA(uint m, uint k) {
    uint pixels = p.oh * p.ow;
    uint b = m / pixels;
    uint px = m % pixels;
    int oy = int(px / p.ow);
    int ox = int(px % p.ow);
    uint taps = p.kh * p.kw;
    uint c = k / taps;
    uint t = k % taps;
    int iy = oy * int(p.stride) - p.padding + int(t / p.kw);
    int ix = ox * int(p.stride) - p.padding + int(t % p.kw);
    if (iy < 0 || iy >= int(p.height) || ix < 0 || ix >= int(p.width)) {
        return 0.0;
    }
    return x[((b * p.cin + c) * p.height + uint(iy)) * p.width + uint(ix)];
}

float loadB(uint n, uint k) {
    return LOAD_TYPED(w, n * (p.cin * p.kh * p.kw) + k, W_TYPE);
}

void storeC(uint m, uint n, float acc) {
    uint pixels = p.oh * p.ow;
    uint b = m / pixels;
    uint px = m % pixels;
    y[(b * p.cout + n) * pixels + px] = HAS_BIAS ? LOAD_TYPED(bias, n, BIAS_TYPE) + acc : acc;
}

const bool B_K_FASTEST = true;
#include "gemm_tile.glsl"

void main() {
    uint M = p.batch * p.oh * p.ow;
    // Row tiles are grid-strided: batch × pixels can need more workgroups than an axis allows.
    uint rowTiles = (M + BM - 1u) / BM;
    for (uint tile = gl_WorkGroupID.y; tile < rowTiles; tile += gl_NumWorkGroups.y) {
        gemmTile(M, p.cout, p.cin * p.kh * p.kw, tile * BM, gl_WorkGroupID.x * BN);
    }
}
