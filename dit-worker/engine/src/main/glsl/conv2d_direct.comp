#version 450
// 2-D convolution (cross-correlation, zero padding) for few output channels: each thread owns PX
// consecutive output pixels × NB output channels, accumulated in registers. The implicit GEMM of conv2d.comp stages
// every input patch and weight tile through shared memory behind barriers and gives each thread a
// 4 × TN block of outputs; with 16 or 32 output channels that is about one lane-varying shared
// read per multiply-add. Here the weight a thread needs is the same for the whole workgroup
// (a broadcast on GPUs) and is used for PX pixels, each input value is read once and used NB times,
// and there is no shared memory and no barrier. Neighbouring threads own neighbouring pixel runs,
// so input reads stay within a few cache lines along a row.
#include "common.glsl"

layout(local_size_x = 64, local_size_x_id = 0) in;

layout(constant_id = 1) const uint NB = 16;        // output channels per thread
layout(constant_id = 2) const uint W_TYPE = 0;
layout(constant_id = 3) const uint BIAS_TYPE = 0;
layout(constant_id = 4) const bool HAS_BIAS = false;
layout(constant_id = 5) const uint PX = 4;         // consecutive output pixels per thread

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) readonly buffer W { uint w[]; };
layout(set = 0, binding = 2, std430) readonly buffer Bias { uint bias[]; };
layout(set = 0, binding = 3, std430) writeonly buffer Y { float y[]; };

layout(push_constant, std430) uniform Params {
    uint batch, cin, height, width;
    uint cout, kh, kw, stride;
    int padding;
    uint oh, ow;
} p;

void main() {
    uint pixels = p.oh * p.ow;
    uint total = p.batch * pixels;
    uint n0 = gl_WorkGroupID.y * NB;
    uint taps = p.kh * p.kw;
    uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x * PX;
    // Pixel runs are grid-strided: batch × pixels can need more workgroups than an axis allows.
    for (uint m0 = gl_GlobalInvocationID.x * PX; m0 < total; m0 += step) {
        uint img[PX];
        uint pix[PX];
        int y0[PX];
        int x0[PX];
        for (uint i = 0u; i < PX; i++) {
            uint m = min(m0 + i, total - 1u);
            img[i] = m / pixels;
            pix[i] = m - img[i] * pixels;
            uint oy = pix[i] / p.ow;
            y0[i] = int(oy * p.stride) - p.padding;
            x0[i] = int((pix[i] - oy * p.ow) * p.stride) - p.padding;
        }
        float acc[PX * NB];
        for (uint j = 0u; j < PX * NB; j++) {
            acc[j] = 0.0;
        }
        for (uint c = 0u; c < p.cin; c++) {
            for (uint dy = 0u; dy < p.kh; dy++) {
                for (uint dx = 0u; dx < p.kw; dx++) {
                    float xv[PX];
                    for (uint i = 0u; i < PX; i++) {
                        int iy = y0[i] + int(dy);
                        int ix = x0[i] + int(dx);
                        bool inside = iy >= 0 && iy < int(p.height) && ix >= 0 && ix < int(p.width);
                        xv[i] = inside ? x[((img[i] * p.cin + c) * p.height + uint(iy)) * p.width + uint(ix)] : 0.0;
                    }
                    uint tap = c * taps + dy * p.kw + dx;
                    for (uint j = 0u; j < NB; j++) {
                        // Channels past cout re-read the last one; their sums are never stored.
                        uint n = min(n0 + j, p.cout - 1u);
                        float wv = LOAD_TYPED(w, n * (p.cin * taps) + tap, W_TYPE);
                        for (uint i = 0u; i < PX; i++) {
                            acc[i * NB + j] = fma(xv[i], wv, acc[i * NB + j]);
                        }
                    }
                }
            }
        }
        for (uint i = 0u; i < PX; i++) {
            if (m0 + i >= total) {
                break;
            }
            for (uint j = 0u; j < NB; j++) {
                uint n = n0 + j;
                if (n < p.cout) {
                    float r = acc[i * NB + j];
                    y[(img[i] * p.cout + n) * pixels + pix[i]] = HAS_BIAS ? LOAD_TYPED(bias, n, BIAS_TYPE) + r : r;
                }
            }
        }
    }
}
