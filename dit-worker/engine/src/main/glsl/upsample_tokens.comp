#version 450
// Nearest upsampling on the token grid, the layout inverse of pool_tokens: every token of the
// height × width grid takes the row of the cell × cell tile it lies in,
// x [B, cells, D] → out [B, height·width, D].
layout(local_size_x = 256, local_size_x_id = 0) in;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Out { float o[]; };

layout(push_constant, std430) uniform Params {
    uint n, d, height, width, cell, cellColumns, cells;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint tokens = p.height * p.width;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint ch = i % p.d;
        uint t = i / p.d;
        uint token = t % tokens;
        uint tile = (token / p.width / p.cell) * p.cellColumns + (token % p.width) / p.cell;
        o[i] = x[((t / tokens) * p.cells + tile) * p.d + ch];
    }
}
