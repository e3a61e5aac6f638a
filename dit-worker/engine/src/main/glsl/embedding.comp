#version 450
// Rows ids[r] of an embedding table [vocab, D] (any stored dtype) → fp32 [count, D]. Ids are
// range-checked on the host.
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint TABLE_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer Table { uint table[]; };
layout(set = 0, binding = 1, std430) readonly buffer Ids { uint ids[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Out { float dst[]; };

layout(push_constant, std430) uniform Params {
    uint n, d;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint row = ids[i / p.d];
        dst[i] = LOAD_TYPED(table, row * p.d + i % p.d, TABLE_TYPE);
    }
}
