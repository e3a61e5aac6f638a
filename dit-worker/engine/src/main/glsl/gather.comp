#version 450
// out[outOffset + i] = in[inOffset + Σ idx_k · stride_k] for i enumerating a rank-6 output shape
// in row-major order: one kernel for every layout change (NCHW ↔ tokens, unpatchify, nearest ×2
// upsampling with stride-0 dimensions, widening copies of stored-dtype tensors in concat0).
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint IN_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer In { uint src[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Out { float dst[]; };

layout(push_constant, std430) uniform Params {
    uint n, inOffset, outOffset;
    uint d1, d2, d3, d4, d5;
    uint s0, s1, s2, s3, s4, s5;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint r = i;
        uint at = p.inOffset;
        at += (r % p.d5) * p.s5; r /= p.d5;
        at += (r % p.d4) * p.s4; r /= p.d4;
        at += (r % p.d3) * p.s3; r /= p.d3;
        at += (r % p.d2) * p.s2; r /= p.d2;
        at += (r % p.d1) * p.s1; r /= p.d1;
        at += r * p.s0;
        dst[p.outOffset + i] = LOAD_TYPED(src, at, IN_TYPE);
    }
}
