#version 450
// LayerNorm over the last dimension without affine parameters, optionally adaLN-modulated:
// y = LN(x)·(1 + mod[b, scaleRow]) + mod[b, shiftRow]. One workgroup per row (grid-strided);
// mean first, then the biased variance around it, like the CPU reference (two passes, no
// E[x²] − E[x]² cancellation).
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const bool MODULATE = false;
layout(constant_id = 2) const uint MOD_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer Mod { uint mod[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint rows, d, tokens, modRows, shiftRow, scaleRow;
    float eps;
} p;

#include "reduce.glsl"

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        uint base = row * p.d;
        float s = 0.0;
        for (uint i = tid; i < p.d; i += threads) {
            s += x[base + i];
        }
        float mean = workgroupSum(s) / float(p.d);
        float v = 0.0;
        for (uint i = tid; i < p.d; i += threads) {
            float c = x[base + i] - mean;
            v = fma(c, c, v);
        }
        float inv = 1.0 / sqrt(workgroupSum(v) / float(p.d) + p.eps);
        uint b = row / p.tokens;
        uint shift = (b * p.modRows + p.shiftRow) * p.d;
        uint scale = (b * p.modRows + p.scaleRow) * p.d;
        for (uint i = tid; i < p.d; i += threads) {
            float n = (x[base + i] - mean) * inv;
            if (MODULATE) {
                n = n * (1.0 + LOAD_TYPED(mod, scale + i, MOD_TYPE)) + LOAD_TYPED(mod, shift + i, MOD_TYPE);
            }
            y[base + i] = n;
        }
    }
}
