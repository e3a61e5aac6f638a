#version 450
// In place: x[batchFrom + b, i, :] = keep·x[batchFrom + b, i, :] + other·y[b, tokens[i], :] for
// x [B, N, D], y [By, Ny, D], b < By, with other = 1 − keep (computed on the host, as the CPU does).
// Regional attention uses it to blend a result computed in region-sorted order back into the
// plain attention's token order, on the conditional rows only. Indices are range-checked on the host.
layout(local_size_x = 256, local_size_x_id = 0) in;

layout(set = 0, binding = 0, std430) buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer Y { float y[]; };
layout(set = 0, binding = 2, std430) readonly buffer Tokens { uint tokens[]; };

layout(push_constant, std430) uniform Params {
    uint n;         // elements blended: By · N · D
    uint d;
    uint tokensX;   // N
    uint tokensY;   // Ny
    uint batchFrom;
    float keep;
    float other;
} p;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint c = i % p.d;
        uint r = i / p.d;
        uint t = r % p.tokensX;
        uint b = r / p.tokensX;
        uint at = ((p.batchFrom + b) * p.tokensX + t) * p.d + c;
        x[at] = p.keep * x[at] + p.other * y[(b * p.tokensY + tokens[t]) * p.d + c];
    }
}
