#version 450
// Local attention plus pooled keys (token density's kv_pool_local) on a height × width token grid:
// the query at (i, j) attends to the dense keys of its own window × window tile (tiles from the
// top-left corner, cut by the grid's edge) and to every pooled key, whose score gets
// + ln(tokens in its cell) so one pooled key weighs as much as the keys it averages.
// q, k, v [B, N, width] and pooled k, v [B, cells, width], head h in channels [h·D, (h+1)·D).
// One thread per (query, head) holding its query and output rows in registers, with an online
// softmax over both key sets; the windows are small and the pooled set is N/cell², so the reads
// are few and this plain form suffices (the presets use kv_pool, which runs the fused kernels).
layout(local_size_x = 64, local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 32; // head dimension

const float NEG_INF = -1.0 / 0.0;

layout(set = 0, binding = 0, std430) readonly buffer Q { float q[]; };
layout(set = 0, binding = 1, std430) readonly buffer K { float k[]; };
layout(set = 0, binding = 2, std430) readonly buffer V { float v[]; };
layout(set = 0, binding = 3, std430) readonly buffer PK { float pk[]; };
layout(set = 0, binding = 4, std430) readonly buffer PV { float pv[]; };
layout(set = 0, binding = 5, std430) writeonly buffer O { float o[]; };

layout(push_constant, std430) uniform Params {
    uint height, width, window, cell, channels, cells;
    float scale;
} p;

float qv[D];
float acc[D];
float runMax;
float runSum;

void attend(float score, uint vBase, bool pooled) {
    float m = max(runMax, score);
    float rescale = exp(runMax - m);
    float pr = exp(score - m);
    runSum = runSum * rescale + pr;
    for (uint c = 0u; c < D; c++) {
        float val = pooled ? pv[vBase + c] : v[vBase + c];
        acc[c] = fma(pr, val, acc[c] * rescale);
    }
    runMax = m;
}

void main() {
    uint tokens = p.height * p.width;
    uint token = gl_GlobalInvocationID.x;
    if (token >= tokens) {
        return; // no barriers below
    }
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint qBase = (b * tokens + token) * p.channels + h * D;
    for (uint c = 0u; c < D; c++) {
        qv[c] = q[qBase + c];
        acc[c] = 0.0;
    }
    runMax = NEG_INF;
    runSum = 0.0;

    uint r0 = (token / p.width / p.window) * p.window;
    uint c0 = ((token % p.width) / p.window) * p.window;
    uint r1 = min(p.height, r0 + p.window);
    uint c1 = min(p.width, c0 + p.window);
    for (uint r = r0; r < r1; r++) {
        for (uint cc = c0; cc < c1; cc++) {
            uint kBase = (b * tokens + r * p.width + cc) * p.channels + h * D;
            float dotv = 0.0;
            for (uint c = 0u; c < D; c++) {
                dotv += qv[c] * k[kBase + c];
            }
            attend(dotv * p.scale, kBase, false);
        }
    }

    uint cellColumns = (p.width + p.cell - 1u) / p.cell;
    for (uint cell = 0u; cell < p.cells; cell++) {
        uint pr0 = (cell / cellColumns) * p.cell;
        uint pc0 = (cell % cellColumns) * p.cell;
        uint count = (min(p.height, pr0 + p.cell) - pr0) * (min(p.width, pc0 + p.cell) - pc0);
        uint kBase = (b * p.cells + cell) * p.channels + h * D;
        float dotv = 0.0;
        for (uint c = 0u; c < D; c++) {
            dotv += qv[c] * pk[kBase + c];
        }
        attend(dotv * p.scale + log(float(count)), kBase, true);
    }

    float inv = 1.0 / runSum;
    for (uint c = 0u; c < D; c++) {
        o[qBase + c] = acc[c] * inv;
    }
}
