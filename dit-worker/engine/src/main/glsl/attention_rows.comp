#version 450
// Fused multi-head attention for small heads (D ≤ 32, a multiple of 4): one thread per query.
// attention.comp spreads a query over eight lanes, which pays off for wide heads but at D = 8…32
// leaves each lane a handful of columns while all eight repeat the row's softmax (an exp per lane
// per key) and the workgroup meets three barriers per key block around a shared score tile. Here a
// thread keeps its whole query row and output row in registers, so every score, exp and V update is
// done exactly once, scores never touch shared memory, and the only barriers are the two around
// each cooperative K/V load. All threads read the same key at the same time: a broadcast from
// shared memory on GPUs, and a uniform (scalar) load on CPU implementations such as lavapipe.
// Online softmax as in attention.comp; scores follow the CPU reference exactly:
// dot · scale + keyBias[b, key] + headBias[h, q, key].
layout(local_size_x = 64, local_size_x_id = 0) in;

layout(constant_id = 1) const uint BC = 32;     // keys per block
layout(constant_id = 2) const uint D = 32;      // head dimension, a multiple of 4
layout(constant_id = 3) const bool HAS_KEY_BIAS = false;
layout(constant_id = 4) const bool HAS_HEAD_BIAS = false;

const uint D4 = D / 4u;
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

shared vec4 ks[BC * D4];
shared vec4 vs[BC * D4];

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    uint qi = gl_WorkGroupID.x * threads + tid;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    bool hasQuery = qi < p.sq;
    uint qRow = min(qi, p.sq - 1u); // idle threads still help load K/V, reading a valid row
    uint qBase = (b * p.sq + qRow) * p.width + h * D;
    uint kBase = (b * p.sk) * p.width + h * D;

    vec4 qv[D4];
    vec4 acc[D4];
    for (uint j = 0u; j < D4; j++) {
        qv[j] = vec4(q[qBase + 4u * j], q[qBase + 4u * j + 1u], q[qBase + 4u * j + 2u], q[qBase + 4u * j + 3u]);
        acc[j] = vec4(0.0);
    }
    float runMax = NEG_INF;
    float runSum = 0.0;

    for (uint k0 = 0u; k0 < p.sk; k0 += BC) {
        barrier(); // the previous block's K/V are no longer read
        for (uint idx = tid; idx < BC * D4; idx += threads) {
            uint r = idx / D4;
            uint c = 4u * (idx % D4);
            uint at = kBase + (k0 + r) * p.width + c;
            bool valid = k0 + r < p.sk;
            ks[idx] = valid ? vec4(k[at], k[at + 1u], k[at + 2u], k[at + 3u]) : vec4(0.0);
            vs[idx] = valid ? vec4(v[at], v[at + 1u], v[at + 2u], v[at + 3u]) : vec4(0.0);
        }
        barrier();
        uint n = min(BC, p.sk - k0);
        float s[BC];
        float blockMax = runMax;
        for (uint c = 0u; c < BC; c++) {
            float dotv = 0.0;
            for (uint j = 0u; j < D4; j++) {
                dotv += dot(qv[j], ks[c * D4 + j]);
            }
            float sc = dotv * p.scale;
            uint key = k0 + c;
            if (HAS_KEY_BIAS) {
                sc += keyBias[b * p.sk + min(key, p.sk - 1u)];
            }
            if (HAS_HEAD_BIAS) {
                sc += headBias[(h * p.sq + qRow) * p.sk + min(key, p.sk - 1u)];
            }
            s[c] = c < n ? sc : NEG_INF;
            blockMax = max(blockMax, s[c]);
        }
        // A block holds at least one real key, so blockMax is finite whenever runMax was not.
        float rescale = exp(runMax - blockMax);
        runSum *= rescale;
        for (uint j = 0u; j < D4; j++) {
            acc[j] *= rescale;
        }
        for (uint c = 0u; c < BC; c++) {
            float pr = exp(s[c] - blockMax);
            runSum += pr;
            for (uint j = 0u; j < D4; j++) {
                acc[j] = fma(vec4(pr), vs[c * D4 + j], acc[j]);
            }
        }
        runMax = blockMax;
    }

    if (hasQuery) {
        float inv = 1.0 / runSum;
        for (uint j = 0u; j < D4; j++) {
            vec4 r = acc[j] * inv;
            uint at = qBase + 4u * j;
            o[at] = r.x;
            o[at + 1u] = r.y;
            o[at + 2u] = r.z;
            o[at + 3u] = r.w;
        }
    }
}
