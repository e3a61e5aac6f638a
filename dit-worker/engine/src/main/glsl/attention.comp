#version 450
// Fused multi-head attention, flash-attention style: a workgroup owns BR queries of one
// (batch, head) and streams the keys in blocks of BC, keeping a running maximum and sum per query
// (online softmax) and rescaling its partial output, so no Sq × Sk score matrix ever exists.
// Scores follow the CPU reference exactly: dot · scale + keyBias[b, key] + headBias[h, q, key].
// D (the head dimension, ≤ 128) is a specialization constant so Q, K and V tiles are sized to it;
// larger heads take VulkanOps' GEMM + softmax path. Eight threads share a query row: each holds
// D/8 output columns in registers.
// With HAS_KEY_RANGES (Ops.rangedAttention, regional attention) query i sees only keys
// [keyRanges[2i], keyRanges[2i+1]): the workgroup streams the union of its rows' ranges and masks
// each row's scores outside its own; with SHARED_KV every batch row reads batch row 0 of K and V.
layout(local_size_x = 128, local_size_x_id = 0) in;

layout(constant_id = 1) const uint BR = 16;     // queries per workgroup (workgroup = 8·BR threads)
layout(constant_id = 2) const uint BC = 16;     // keys per block
layout(constant_id = 3) const uint D = 64;      // head dimension
layout(constant_id = 4) const bool HAS_KEY_BIAS = false;
layout(constant_id = 5) const bool HAS_HEAD_BIAS = false;
layout(constant_id = 6) const bool HAS_KEY_RANGES = false;
layout(constant_id = 7) const bool SHARED_KV = false;

const uint LANES = 8u;                           // threads per query row
const uint COLS = (D + LANES - 1u) / LANES;      // output columns per thread
const float NEG_INF = -1.0 / 0.0;

layout(set = 0, binding = 0, std430) readonly buffer Q { float q[]; };
layout(set = 0, binding = 1, std430) readonly buffer K { float k[]; };
layout(set = 0, binding = 2, std430) readonly buffer V { float v[]; };
layout(set = 0, binding = 3, std430) readonly buffer KeyBias { float keyBias[]; };
layout(set = 0, binding = 4, std430) readonly buffer HeadBias { float headBias[]; };
layout(set = 0, binding = 5, std430) writeonly buffer O { float o[]; };
layout(set = 0, binding = 6, std430) readonly buffer KeyRanges { uint keyRanges[]; };

layout(push_constant, std430) uniform Params {
    uint sq, sk, width, heads;
    float scale;
} p;

shared float qs[BR * D];
shared float ks[BC * D];
shared float vs[BC * D];
shared float ss[BR * BC];
shared uint rowLo[BR];
shared uint rowHi[BR];
shared uint unionLo;
shared uint unionHi;

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    uint q0 = gl_WorkGroupID.x * BR;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint qBase = (b * p.sq) * p.width + h * D;
    uint kBase = ((SHARED_KV ? 0u : b) * p.sk) * p.width + h * D;

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

    // Keys [keyLo, keyHi) are streamed; row r scores only [rowLo[r], rowHi[r]) of them.
    uint keyLo = 0u;
    uint keyHi = p.sk;
    if (HAS_KEY_RANGES) {
        if (tid < BR) {
            uint qi = min(q0 + tid, p.sq - 1u); // rows past Sq repeat the last one: no effect on the union
            rowLo[tid] = keyRanges[2u * qi];
            rowHi[tid] = keyRanges[2u * qi + 1u];
        }
        barrier();
        if (tid == 0u) {
            uint l = rowLo[0];
            uint u = rowHi[0];
            for (uint r = 1u; r < BR; r++) {
                l = min(l, rowLo[r]);
                u = max(u, rowHi[r]);
            }
            unionLo = l;
            unionHi = u;
        }
        barrier();
        keyLo = unionLo;
        keyHi = unionHi;
    }

    for (uint k0 = keyLo; k0 < keyHi; k0 += BC) {
        barrier(); // the previous block's K/V/scores are no longer read
        for (uint idx = tid; idx < BC * D; idx += threads) {
            uint r = idx / D;
            uint c = idx % D;
            bool valid = k0 + r < keyHi;
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
            bool mine = !HAS_KEY_RANGES || (key >= rowLo[r] && key < rowHi[r]);
            if (key < keyHi && mine) {
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
        // Without key ranges a block can only be all -inf if it lies past Sk, which the loop bound
        // excludes; with them it may hold none of this row's keys, and is then skipped for the row
        // (exp(−∞ − (−∞)) would be NaN).
        if (!HAS_KEY_RANGES || blockMax != NEG_INF) {
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
