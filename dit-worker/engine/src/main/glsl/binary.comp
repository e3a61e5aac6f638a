#version 450
// out = a ∘ b with NumPy broadcasting up to rank 4 (OP 0: add, 1: multiply). The host right-aligns
// both shapes to four dimensions and passes element strides that are 0 along broadcast dimensions.
#include "common.glsl"
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint A_TYPE = 0;
layout(constant_id = 3) const uint B_TYPE = 0;

layout(set = 0, binding = 0, std430) readonly buffer A { uint a[]; };
layout(set = 0, binding = 1, std430) readonly buffer B { uint b[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint n;
    uint d1, d2, d3;
    uint sa0, sa1, sa2, sa3;
    uint sb0, sb1, sb2, sb3;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint i3 = i % p.d3;
        uint r = i / p.d3;
        uint i2 = r % p.d2;
        r /= p.d2;
        uint i1 = r % p.d1;
        uint i0 = r / p.d1;
        uint ia = i0 * p.sa0 + i1 * p.sa1 + i2 * p.sa2 + i3 * p.sa3;
        uint ib = i0 * p.sb0 + i1 * p.sb1 + i2 * p.sb2 + i3 * p.sb3;
        float va = LOAD_TYPED(a, ia, A_TYPE);
        float vb = LOAD_TYPED(b, ib, B_TYPE);
        y[i] = OP == 0u ? va + vb : va * vb;
    }
}
