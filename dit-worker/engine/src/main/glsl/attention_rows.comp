#version 450
// Fused multi-head attention for small heads (D ≤ 32, a multiple of 4): one thread per query
// (or per QT queries).
// attention.comp spreads a query over eight lanes, which pays off for wide heads but at D = 8…32
// leaves each lane a handful of columns while all eight repeat the row's softmax (an exp per lane
// per key) and the workgroup meets three barriers per key block around a shared score tile. Here a
// thread keeps its whole query row and output row in registers, so every score, exp and V update is
// done exactly once, scores never touch shared memory, and the only barriers are the two around
// each cooperative K/V load. All threads read the same key at the same time, which GPUs serve as
// a shared-memory broadcast.
// Online softmax as in attention.comp; scores follow the CPU reference exactly:
// dot · scale + keyBias[b, key] + headBias[h, q, key].
// With HAS_KEY_RANGES (Ops.rangedAttention, regional attention) query i sees only keys
// [keyRanges[2i], keyRanges[2i+1]): the workgroup streams the union of its queries' ranges and each
// thread masks the keys outside its own; with SHARED_KV every batch row reads batch row 0 of K and V.
layout(local_size_x = 64, local_size_x_id = 0) in;

layout(constant_id = 1) const uint BC = 32;     // keys per block
layout(constant_id = 2) const uint D = 32;      // head dimension, a multiple of 4
layout(constant_id = 3) const bool HAS_KEY_BIAS = false;
layout(constant_id = 4) const bool HAS_HEAD_BIAS = false;
// Queries per thread. On GPUs 1: a key read by every thread at once is a shared-memory broadcast.
// CPU implementations (lavapipe) instead gather it lane by lane, so there each K/V read is reused
// for several queries; KernelTuning picks the value by device type.
layout(constant_id = 5) const uint QT = 1;
layout(constant_id = 6) const bool HAS_KEY_RANGES = false;
layout(constant_id = 7) const bool SHARED_KV = false;

const uint D4 = D / 4u;
const uint CH = 8u; // keys scored per softmax update: bounds the live scores at QT·CH
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

shared vec4 ks[BC * D4];
shared vec4 vs[BC * D4];
shared uint unionLo;
shared uint unionHi;

void main() {
    uint tid = gl_LocalInvocationIndex;
    uint threads = gl_WorkGroupSize.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint kBase = ((SHARED_KV ? 0u : b) * p.sk) * p.width + h * D;

    // Query t of this thread is row q0 + t·threads, so a workgroup covers threads·QT consecutive rows.
    uint q0 = gl_WorkGroupID.x * threads * QT + tid;
    uint qRow[QT];
    vec4 qv[QT * D4];
    vec4 acc[QT * D4];
    float runMax[QT];
    float runSum[QT];
    for (uint t = 0u; t < QT; t++) {
        qRow[t] = min(q0 + t * threads, p.sq - 1u); // idle threads still help load K/V, reading a valid row
        uint qBase = (b * p.sq + qRow[t]) * p.width + h * D;
        for (uint j = 0u; j < D4; j++) {
            uint at = qBase + 4u * j;
            qv[t * D4 + j] = vec4(q[at], q[at + 1u], q[at + 2u], q[at + 3u]);
            acc[t * D4 + j] = vec4(0.0);
        }
        runMax[t] = NEG_INF;
        runSum[t] = 0.0;
    }

    // Keys [keyLo, keyHi) are streamed; a thread's query t scores only [lo[t], hi[t]) of them.
    uint keyLo = 0u;
    uint keyHi = p.sk;
    uint lo[QT];
    uint hi[QT];
    for (uint t = 0u; t < QT; t++) {
        lo[t] = 0u;
        hi[t] = p.sk;
    }
    if (HAS_KEY_RANGES) {
        if (tid == 0u) {
            unionLo = 0xffffffffu;
            unionHi = 0u;
        }
        barrier();
        for (uint t = 0u; t < QT; t++) {
            lo[t] = keyRanges[2u * qRow[t]];
            hi[t] = keyRanges[2u * qRow[t] + 1u];
            atomicMin(unionLo, lo[t]);
            atomicMax(unionHi, hi[t]);
        }
        barrier();
        keyLo = unionLo;
        keyHi = unionHi;
    }

    for (uint k0 = keyLo; k0 < keyHi; k0 += BC) {
        barrier(); // the previous block's K/V are no longer read
        for (uint idx = tid; idx < BC * D4; idx += threads) {
            uint r = idx / D4;
            uint c = 4u * (idx % D4);
            uint at = kBase + (k0 + r) * p.width + c;
            bool valid = k0 + r < keyHi;
            ks[idx] = valid ? vec4(k[at], k[at + 1u], k[at + 2u], k[at + 3u]) : vec4(0.0);
            vs[idx] = valid ? vec4(v[at], v[at + 1u], v[at + 2u], v[at + 3u]) : vec4(0.0);
        }
        barrier();
        uint n = min(BC, keyHi - k0);
        // Chunks past the last key are skipped; every chunk run holds at least one real key, so
        // the chunk maximum is finite and exp(runMax − max) is 0 (first chunk) or ≤ 1 (with key
        // ranges a chunk may hold none of a query's keys: skipped for that query below).
        for (uint c0 = 0u; c0 < n; c0 += CH) {
            float s[QT * CH];
            for (uint c = 0u; c < CH; c++) {
                uint key = k0 + c0 + c;
                bool real = c0 + c < n;
                for (uint t = 0u; t < QT; t++) {
                    float dotv = 0.0;
                    for (uint j = 0u; j < D4; j++) {
                        dotv += dot(qv[t * D4 + j], ks[(c0 + c) * D4 + j]);
                    }
                    float sc = dotv * p.scale;
                    uint kk = min(key, p.sk - 1u);
                    if (HAS_KEY_BIAS) {
                        sc += keyBias[b * p.sk + kk];
                    }
                    if (HAS_HEAD_BIAS) {
                        sc += headBias[(h * p.sq + qRow[t]) * p.sk + kk];
                    }
                    bool mine = !HAS_KEY_RANGES || (key >= lo[t] && key < hi[t]);
                    s[t * CH + c] = real && mine ? sc : NEG_INF;
                }
            }
            for (uint t = 0u; t < QT; t++) {
                float m = runMax[t];
                for (uint c = 0u; c < CH; c++) {
                    m = max(m, s[t * CH + c]);
                }
                // A chunk with none of this query's keys is skipped: exp(−∞ − (−∞)) would be NaN.
                if (!HAS_KEY_RANGES || m != NEG_INF) {
                    float rescale = exp(runMax[t] - m);
                    runSum[t] *= rescale;
                    for (uint j = 0u; j < D4; j++) {
                        acc[t * D4 + j] *= rescale;
                    }
                    for (uint c = 0u; c < CH; c++) {
                        float pr = exp(s[t * CH + c] - m);
                        runSum[t] += pr;
                        for (uint j = 0u; j < D4; j++) {
                            acc[t * D4 + j] = fma(vec4(pr), vs[(c0 + c) * D4 + j], acc[t * D4 + j]);
                        }
                    }
                    runMax[t] = m;
                }
            }
        }
    }

    for (uint t = 0u; t < QT; t++) {
        if (q0 + t * threads < p.sq) {
            float inv = 1.0 / runSum[t];
            uint qBase = (b * p.sq + qRow[t]) * p.width + h * D;
            for (uint j = 0u; j < D4; j++) {
                vec4 r = acc[t * D4 + j] * inv;
                uint at = qBase + 4u * j;
                o[at] = r.x;
                o[at + 1u] = r.y;
                o[at + 2u] = r.z;
                o[at + 3u] = r.w;
            }
        }
    }
}
