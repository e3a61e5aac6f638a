#version 450
// Fused multi-head attention, flash-attention style: a workgroup owns BR queries of one
// (batch, head) and streams the keys in blocks of BC, keeping a running maximum and sum per query
// (online softmax) and rescaling its partial output, so no Sq × Sk score matrix ever exists.
// Scores follow the CPU reference exactly: dot · scale + keyBias[b, key] + headBias[h, q, key].
// D (the head dimension, ≤ 128) is a specialization constant so Q, K and V tiles are sized to it;
// larger heads take VulkanOps' GEMM + softmax path. Eight threads share a query row: each holds
// D/8 output columns in registers.
layout(local_size_x = 128, local_size_x_id = 0) in;

layout(constant_id = 1) const uint BR = 16;     // queries per workgroup (workgroup = 8·BR threads)
layout(constant_id = 2) const uint BC = 16;     // keys per block
layout(constant_id = 3) const uint D = 64;      // head dimension
layout(constant_id = 4) const bool HAS_KEY_BIAS = false;
layout(constant_id = 5) const bool HAS_HEAD_BIAS = false;

const uint LANES = 8u;                           // threads per query row
const uint COLS = (D + LANES - 1u) / LANES;      // output columns per thread
const float NEG_INF = -1.0 / 0.0;

layout(set = 0, binding = 0, std430) readonly buffer Q { float q[]; };
layout(set = 0, binding = 1, std430) readonly buffer K { float k[]; };
layout(set = 0, binding = 2, std430) readonly buffer V { float v[]; };
layout(set = 0, binding = 3, std430) readonly buffer KeyBias { float keyBias[]; };
layout(set = 0, binding = 4, std430) readonly buffer HeadBias { float headBias[]; };
layout(set = 0, binding = 5, std430) writeonly buffer O { float o[]; };

layout(push_constant, std430) uniform Params {
    uint sq, sk, width, heads;
    float scale;
} p;

shared float qs[BR * D];
shared float ks[BC * D];
shared float vs[BC * D];
shared float ss[BR * BC];

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    uint q0 = gl_WorkGroupID.x * BR;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint qBase = (b * p.sq) * p.width + h * D;
    uint kBase = (b * p.sk) * p.width + h * D;

    for (uint idx = tid; idx < BR * D; idx += threads) {
        uint r = idx / D;
        uint c = idx % D;
        qs[idx] = q0 + r < p.sq ? q[qBase + (q0 + r) * p.width + c] : 0.0;
    }

    uint row = tid / LANES;
    uint lane = tid % LANES;
    float acc[COLS];
    for (uint j = 0u; j < COLS; j++) {
        acc[j] = 0.0;
    }
    float runMax = NEG_INF;
    float runSum = 0.0;

    for (uint k0 = 0u; k0 < p.sk; k0 += BC) {
        barrier(); // the previous block's K/V/scores are no longer read
        for (uint idx = tid; idx < BC * D; idx += threads) {
            uint r = idx / D;
            uint c = idx % D;
            bool valid = k0 + r < p.sk;
            uint at = kBase + (k0 + r) * p.width + c;
            ks[idx] = valid ? k[at] : 0.0;
            vs[idx] = valid ? v[at] : 0.0;
        }
        barrier();
        for (uint idx = tid; idx < BR * BC; idx += threads) {
            uint r = idx / BC;
            uint c = idx % BC;
            uint key = k0 + c;
            float s = NEG_INF;
            if (key < p.sk) {
                float dot = 0.0;
                for (uint e = 0u; e < D; e++) {
                    dot = fma(qs[r * D + e], ks[c * D + e], dot);
                }
                s = dot * p.scale;
                if (HAS_KEY_BIAS) {
                    s += keyBias[b * p.sk + key];
                }
                if (HAS_HEAD_BIAS) {
                    uint qi = min(q0 + r, p.sq - 1u);
                    s += headBias[(h * p.sq + qi) * p.sk + key];
                }
            }
            ss[idx] = s;
        }
        barrier();
        // Every lane of a row does the same softmax bookkeeping: cheaper than sharing it.
        float blockMax = runMax;
        for (uint c = 0u; c < BC; c++) {
            blockMax = max(blockMax, ss[row * BC + c]);
        }
        // A block can only be all -inf if it lies past Sk, which the loop bound excludes.
        float rescale = exp(runMax - blockMax);
        runSum *= rescale;
        for (uint j = 0u; j < COLS; j++) {
            acc[j] *= rescale;
        }
        for (uint c = 0u; c < BC; c++) {
            float pr = exp(ss[row * BC + c] - blockMax);
            runSum += pr;
            for (uint j = 0u; j < COLS; j++) {
                uint col = lane + LANES * j;
                if (col < D) {
                    acc[j] = fma(pr, vs[c * D + col], acc[j]);
                }
            }
        }
        runMax = blockMax;
    }

    uint qi = q0 + row;
    if (qi < p.sq) {
        float inv = 1.0 / runSum;
        for (uint j = 0u; j < COLS; j++) {
            uint col = lane + LANES * j;
            if (col < D) {
                o[qBase + qi * p.width + col] = acc[j] * inv;
            }
        }
    }
}
