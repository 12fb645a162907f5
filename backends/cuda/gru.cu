// One GRU timestep's gate arithmetic (reset_after=True, tf.keras's default), forward and backward, for
// the CuPy backend (backends/cupy_rnn.py, loaded with cupy.RawModule); the recurrent GEMMs between the
// steps are cuBLAS. One thread per (batch row, unit), grid-stride. Gates in tf.keras's order z, r, h~.
//
// Layouts (C-contiguous):
//   zt    (B, 3U)  forward: in, this step's x @ kernel + input bias (+ the recurrent bias of z and r);
//                  out, the activated z, r and candidate h~ (the backward reads them, as the generic
//                  kernel's cache holds them)
//   rec   (B, 3U)  h_prev @ recurrent_kernel
//   b_rh  (U,)     the recurrent bias of h~, which the reset gate scales
//   aux   (B, U)   out: rec_h + b_rh, kept for the backward
//   h_prev, h (B, U)
// Backward:
//   dh    (B, U)   the cotangent reaching this step's h from the step after it
//   go    (B, T, U) the cotangent of the outputs; this step's rows start at go_offset, go_stride apart
//   d     (B, 3U)  out: the cotangent of this step's input pre-activations (z, r, h~)
//   d_in  (B, 3U)  out: the cotangent of rec (the recurrent GEMM's output)
//   carry (B, U)   out: the part of h_prev's cotangent that skips the GEMM, dh * z

#define DEFINE_GRU_STEP(T, SUFFIX, TANH)                                                           \
extern "C" __global__ void gru_step_fwd_##SUFFIX(                                                  \
        T* __restrict__ zt, const T* __restrict__ rec, const T* __restrict__ b_rh,                 \
        const T* __restrict__ h_prev, T* __restrict__ aux, T* __restrict__ h,                      \
        const long long total, const int units) {                                                  \
    for (long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x; k < total;                \
         k += (long long)blockDim.x * gridDim.x) {                                                 \
        const long long row = (k / units) * 3LL * units;                                           \
        const long long j = k % units;                                                             \
        const T half = (T)0.5;                                                                     \
        /* sigmoid(v) = 0.5 tanh(v / 2) + 0.5: no overflow for any v, as in the generic kernel. */ \
        const T z = half * TANH(half * (zt[row + j] + rec[row + j])) + half;                       \
        const T r = half * TANH(half * (zt[row + units + j] + rec[row + units + j])) + half;       \
        const T a = rec[row + 2 * units + j] + b_rh[j];                                            \
        const T cand = TANH(zt[row + 2 * units + j] + r * a);                                      \
        zt[row + j] = z;                                                                           \
        zt[row + units + j] = r;                                                                   \
        zt[row + 2 * units + j] = cand;                                                            \
        aux[k] = a;                                                                                \
        h[k] = (h_prev[k] - cand) * z + cand;                                                      \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
extern "C" __global__ void gru_step_bwd_##SUFFIX(                                                  \
        const T* __restrict__ dh, const T* __restrict__ go, const long long go_offset,             \
        const long long go_stride, const T* __restrict__ zt, const T* __restrict__ h_prev,         \
        const T* __restrict__ aux, T* __restrict__ d, T* __restrict__ d_in, T* __restrict__ carry, \
        const long long total, const int units) {                                                  \
    for (long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x; k < total;                \
         k += (long long)blockDim.x * gridDim.x) {                                                 \
        const long long b = k / units;                                                             \
        const long long row = b * 3LL * units;                                                     \
        const long long j = k % units;                                                             \
        const T one = (T)1;                                                                        \
        const T z = zt[row + j], r = zt[row + units + j], cand = zt[row + 2 * units + j];          \
        const T dh_k = dh[k] + go[go_offset + b * go_stride + j];                                  \
        const T dz = dh_k * (h_prev[k] - cand) * z * (one - z);                                    \
        const T dcand = dh_k * (one - z) * (one - cand * cand);                                    \
        const T dr = dcand * aux[k] * r * (one - r);                                               \
        d[row + j] = dz;                                                                           \
        d[row + units + j] = dr;                                                                   \
        d[row + 2 * units + j] = dcand;                                                            \
        d_in[row + j] = dz;                                                                        \
        d_in[row + units + j] = dr;                                                                \
        d_in[row + 2 * units + j] = dcand * r;                                                     \
        carry[k] = dh_k * z;                                                                       \
    }                                                                                              \
}

DEFINE_GRU_STEP(float, f32, tanhf)
DEFINE_GRU_STEP(double, f64, tanh)
