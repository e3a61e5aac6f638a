#version 450
// Rows of selected tokens (regional attention's region-sorted order):
// out[b, i, :] = x[batchFrom + b, tokens[i], :] for x [B, N, D] and b < the output's batch.
// Indices are range-checked on the host.
layout(local_size_x = 256, local_size_x_id = 0) in;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer Tokens { uint tokens[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Out { float dst[]; };

layout(push_constant, std430) uniform Params {
    uint n;         // output elements
    uint d;         // channels per token
    uint count;     // tokens per output row (the index list's length)
    uint tokensIn;  // N, tokens per input row
    uint batchFrom;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint c = i % p.d;
        uint r = i / p.d;
        uint b = r / p.count;
        dst[i] = x[((p.batchFrom + b) * p.tokensIn + tokens[r % p.count]) * p.d + c];
    }
}
