#version 450
// T5's RMS norm over the last dimension: y = w ⊙ (x / sqrt(mean(x²) + eps)). One workgroup per row.
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint W_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer W { uint w[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint rows, d;
    float eps;
} p;

#include "reduce.glsl"

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        uint base = row * p.d;
        float ss = 0.0;
        for (uint i = tid; i < p.d; i += threads) {
            float v = x[base + i];
            ss = fma(v, v, ss);
        }
        float inv = 1.0 / sqrt(workgroupSum(ss) / float(p.d) + p.eps);
        for (uint i = tid; i < p.d; i += threads) {
            y[base + i] = LOAD_TYPED(w, i, W_TYPE) * (x[base + i] * inv);
        }
    }
}
