#version 450
// y[i] = a * x[i] + y[i] for i < n. The smoke test of the Vulkan backend: it exercises storage
// buffers, push constants, a specialization-constant workgroup size and a partial last workgroup.

// Workgroup size is chosen at pipeline creation (specialization constant 0), so the host can match
// it to the device's subgroup size without recompiling. local_size_x supplies the default: glslang
// ignores the value of a separately declared `constant_id = 0` constant and would default to 1.
layout(local_size_x = 64, local_size_x_id = 0) in;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint n;
    float a;
} params;

void main() {
    uint i = gl_GlobalInvocationID.x;
    // The grid is rounded up to whole workgroups, so the last one runs past n.
    if (i >= params.n) {
        return;
    }
    y[i] = fma(params.a, x[i], y[i]);
}
