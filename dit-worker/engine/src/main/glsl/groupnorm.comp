#version 450
// GroupNorm of x [B, C, H, W] with affine weight and bias [C]: one workgroup per (batch, group),
// whose channels form one contiguous run of (C/groups)·H·W values. Two passes (mean, then the
// biased variance), then y = (x − mean)·(w[c]·inv) + b[c] as the CPU reference computes it.
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint W_TYPE = 0;
layout(constant_id = 2) const uint B_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer Weight { uint weight[]; };
layout(set = 0, binding = 2, std430) readonly buffer Bias { uint bias[]; };
layout(set = 0, binding = 3, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint tasks, groups, perGroup, plane;
    float eps;
} p;

#include "reduce.glsl"

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    uint len = p.perGroup * p.plane;
    for (uint task = gl_WorkGroupID.x; task < p.tasks; task += gl_NumWorkGroups.x) {
        uint base = task * len;
        float s = 0.0;
        for (uint i = tid; i < len; i += threads) {
            s += x[base + i];
        }
        float mean = workgroupSum(s) / float(len);
        float v = 0.0;
        for (uint i = tid; i < len; i += threads) {
            float c = x[base + i] - mean;
            v = fma(c, c, v);
        }
        float inv = 1.0 / sqrt(workgroupSum(v) / float(len) + p.eps);
        uint c0 = (task % p.groups) * p.perGroup;
        for (uint i = tid; i < len; i += threads) {
            uint c = c0 + i / p.plane;
            float gw = LOAD_TYPED(weight, c, W_TYPE) * inv;
            y[base + i] = (x[base + i] - mean) * gw + LOAD_TYPED(bias, c, B_TYPE);
        }
    }
}
