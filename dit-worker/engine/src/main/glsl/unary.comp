#version 450
// Element-wise activations, grid-strided. OP 0: GELU with the tanh approximation; OP 1: SiLU.
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint n;
} p;

const float SQRT_2_OVER_PI = 0.7978845608028654;

// tanh from one exp of a non-positive argument: a driver's tanh may overflow to NaN for large |x|.
float stableTanh(float v) {
    float t = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - t) / (1.0 + t);
}

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float v = x[i];
        if (OP == 0u) {
            y[i] = 0.5 * v * (1.0 + stableTanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
        } else {
            y[i] = v / (1.0 + exp(-v));
        }
    }
}
