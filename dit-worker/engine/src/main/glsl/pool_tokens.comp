#version 450
// Pools image tokens x [B, height·width, D] (a row-major grid) over cell × cell tiles → [B, cells, D]
// (token density's K/V pooling and coarse blocks): the mean of the tile's tokens that lie on the
// grid (the bottom and right tiles hold fewer where cell does not divide the grid), or with NEAREST
// the tile's top-left token. One invocation per output element; the sum runs row-major and is then
// divided, as the CPU reference does.
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const bool NEAREST = false;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Out { float o[]; };

layout(push_constant, std430) uniform Params {
    uint n, d, height, width, cell, cellColumns, cells;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint ch = i % p.d;
        uint t = i / p.d;
        uint c = t % p.cells;
        uint base = (t / p.cells) * p.height * p.width;
        uint r0 = (c / p.cellColumns) * p.cell;
        uint c0 = (c % p.cellColumns) * p.cell;
        if (NEAREST) {
            o[i] = x[(base + r0 * p.width + c0) * p.d + ch];
            continue;
        }
        uint r1 = min(p.height, r0 + p.cell);
        uint c1 = min(p.width, c0 + p.cell);
        float sum = 0.0;
        for (uint r = r0; r < r1; r++) {
            for (uint cc = c0; cc < c1; cc++) {
                sum += x[(base + r * p.width + cc) * p.d + ch];
            }
        }
        o[i] = sum / float((r1 - r0) * (c1 - c0));
    }
}
