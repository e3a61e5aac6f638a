// The body of a tiled matrix product C[M, N] = A[M, K] · B[K, N] with fp32 accumulation, shared by
// gemm.comp (linear layers, the large-head attention path) and conv2d.comp (implicit GEMM). The
// including shader defines, before including this file:
//   float loadA(uint m, uint k);   // only called with m < M, k < K
//   float loadB(uint n, uint k);   // only called with n < N, k < K
//   void storeC(uint m, uint n, float acc);   // only called with m < M, n < N
//   const bool B_K_FASTEST;        // whether consecutive k of B are adjacent in memory (coalescing)
// and the specialization constants TM, TN (outputs per thread) and BK (k per tile step).
// A workgroup of 16 × 16 threads computes a (16·TM) × (16·TN) tile; thread (tx, ty) owns rows
// ty + 16·i and columns tx + 16·j, so neighbouring threads read neighbouring shared-memory words.

layout(local_size_x = 256) in;

const uint TX = 16u;
const uint TY = 16u;
const uint THREADS = TX * TY;
const uint BM = TY * TM;
const uint BN = TX * TN;

// Stored k-major so the inner loop reads one row of each tile.
shared float tileA[BK * BM];
shared float tileB[BK * BN];

void gemmTile(uint M, uint N, uint K, uint m0, uint n0) {
    uint tid = gl_LocalInvocationIndex;
    uint tx = tid % TX;
    uint ty = tid / TX;
    float acc[TM * TN];
    for (uint i = 0u; i < TM * TN; i++) {
        acc[i] = 0.0;
    }
    for (uint k0 = 0u; k0 < K; k0 += BK) {
        // A is always read along k (rows of activations), the cheap direction.
        for (uint idx = tid; idx < BM * BK; idx += THREADS) {
            uint r = idx / BK;
            uint kk = idx % BK;
            uint m = m0 + r;
            uint k = k0 + kk;
            tileA[kk * BM + r] = (m < M && k < K) ? loadA(m, k) : 0.0;
        }
        for (uint idx = tid; idx < BN * BK; idx += THREADS) {
            uint c;
            uint kk;
            if (B_K_FASTEST) {
                c = idx / BK;
                kk = idx % BK;
            } else {
                c = idx % BN;
                kk = idx / BN;
            }
            uint n = n0 + c;
            uint k = k0 + kk;
            tileB[kk * BN + c] = (n < N && k < K) ? loadB(n, k) : 0.0;
        }
        barrier();
        for (uint kk = 0u; kk < BK; kk++) {
            float a[TM];
            float b[TN];
            for (uint i = 0u; i < TM; i++) {
                a[i] = tileA[kk * BM + ty + TY * i];
            }
            for (uint j = 0u; j < TN; j++) {
                b[j] = tileB[kk * BN + tx + TX * j];
            }
            for (uint i = 0u; i < TM; i++) {
                for (uint j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
                }
            }
        }
        barrier();
    }
    for (uint i = 0u; i < TM; i++) {
        uint m = m0 + ty + TY * i;
        if (m >= M) {
            continue;
        }
        for (uint j = 0u; j < TN; j++) {
            uint n = n0 + tx + TX * j;
            if (n < N) {
                storeC(m, n, acc[i * TN + j]);
            }
        }
    }
}
