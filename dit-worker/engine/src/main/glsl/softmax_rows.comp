#version 450
// Row softmax of attention scores for the large-head path (head dim > 128): scores [Z·rows, Sk]
// for z = b·H + h and query q0 + r, turned in place into probabilities after
// s·scale + keyBias[b, key] + headBias[h, q, key], as the CPU reference does.
layout(local_size_x = 256, local_size_x_id = 0) in;
layout(constant_id = 1) const bool HAS_KEY_BIAS = false;
layout(constant_id = 2) const bool HAS_HEAD_BIAS = false;

layout(set = 0, binding = 0, std430) buffer S { float s[]; };
layout(set = 0, binding = 1, std430) readonly buffer KeyBias { float keyBias[]; };
layout(set = 0, binding = 2, std430) readonly buffer HeadBias { float headBias[]; };

layout(push_constant, std430) uniform Params {
    uint totalRows, rowsPerZ, sk, sq, heads, q0;
    float scale;
} p;

#include "reduce.glsl"

void main() {
    for (uint rowId = gl_WorkGroupID.x; rowId < p.totalRows; rowId += gl_NumWorkGroups.x) {
        uint z = rowId / p.rowsPerZ;
        uint qi = p.q0 + rowId % p.rowsPerZ;
        uint b = z / p.heads;
        uint h = z % p.heads;
        uint base = rowId * p.sk;
        float localMax = -1.0 / 0.0;
        for (uint j = gl_LocalInvocationIndex; j < p.sk; j += gl_WorkGroupSize.x) {
            float v = s[base + j] * p.scale;
            if (HAS_KEY_BIAS) {
                v += keyBias[b * p.sk + j];
            }
            if (HAS_HEAD_BIAS) {
                v += headBias[(h * p.sq + qi) * p.sk + j];
            }
            s[base + j] = v;
            localMax = max(localMax, v);
        }
        float rowMax = workgroupMax(localMax);
        float localSum = 0.0;
        for (uint j = gl_LocalInvocationIndex; j < p.sk; j += gl_WorkGroupSize.x) {
            float e = exp(s[base + j] - rowMax);
            s[base + j] = e;
            localSum += e;
        }
        float inv = 1.0 / workgroupSum(localSum);
        for (uint j = gl_LocalInvocationIndex; j < p.sk; j += gl_WorkGroupSize.x) {
            s[base + j] *= inv;
        }
    }
}
