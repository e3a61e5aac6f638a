#version 450
// In-place residual updates of x [B, N, D]: x += y, or with GATED x += mod[b, gateRow, :] ⊙ y.
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const bool GATED = false;
layout(constant_id = 2) const uint Y_TYPE = 0;
layout(constant_id = 3) const uint MOD_TYPE = 0;

layout(set = 0, binding = 0, std430) buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer Y { uint y[]; };
layout(set = 0, binding = 2, std430) readonly buffer Mod { uint mod[]; };

layout(push_constant, std430) uniform Params {
    uint n, d, tokens, modRows, gateRow;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float v = LOAD_TYPED(y, i, Y_TYPE);
        if (GATED) {
            uint b = i / (p.tokens * p.d);
            v = LOAD_TYPED(mod, (b * p.modRows + p.gateRow) * p.d + i % p.d, MOD_TYPE) * v;
        }
        x[i] += v;
    }
}
