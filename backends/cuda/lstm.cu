// One LSTM timestep's gate arithmetic, forward and backward, for the CuPy backend
// (backends/cupy_rnn.py, loaded with cupy.RawModule); the recurrent GEMMs between the steps are cuBLAS.
// One thread per (batch row, unit), grid-stride. Gates in tf.keras's order i, f, c~, o.
//
// Layouts (C-contiguous):
//   z     (B, 4U)  forward: in, this step's x @ kernel + bias; out, the activated gates (the backward
//                  reads them, as the generic kernel's cache holds them)
//   rec   (B, 4U)  h_prev @ recurrent_kernel
//   c_prev, c, tc, h  (B, U): the previous and the new cell state, tanh(c) and the new h
// Backward:
//   dh    (B, U)   the cotangent reaching this step's h from the step after it
//   go    (B, T, U) the cotangent of the outputs; this step's rows start at go_offset, go_stride apart
//   dc    (B, U)   in: the cotangent of this step's c; out: that of c_prev
//   d     (B, 4U)  out: the cotangent of this step's pre-activations
// The masked kernels follow Keras's rule, as the generic kernel does: a step whose keep[b] is 0 outputs
// the previous output (zeros with zero_output, or at the first step) and leaves the states as they were.

__device__ inline float tanh_(float v) { return tanhf(v); }
__device__ inline double tanh_(double v) { return tanh(v); }

// The activated gates of element (row, j) into z, the new cell state and tanh of it.
template <typename T>
__device__ inline void lstm_cell(T* z, const T* rec, long long row, long long j, long long units,
                                 T c_prev, T* cell, T* t, T* o) {
    const T half = (T)0.5;
    // sigmoid(v) = 0.5 tanh(v / 2) + 0.5: no overflow for any v, as in the generic kernel.
    const T i = half * tanh_(half * (z[row + j] + rec[row + j])) + half;
    const T f = half * tanh_(half * (z[row + units + j] + rec[row + units + j])) + half;
    const T g = tanh_(z[row + 2 * units + j] + rec[row + 2 * units + j]);
    *o = half * tanh_(half * (z[row + 3 * units + j] + rec[row + 3 * units + j])) + half;
    *cell = f * c_prev + i * g;
    *t = tanh_(*cell);
    z[row + j] = i;
    z[row + units + j] = f;
    z[row + 2 * units + j] = g;
    z[row + 3 * units + j] = *o;
}

// d (the pre-activations' cotangent) of element (row, j) from the cotangents reaching h and c; returns
// the cotangent of c_prev.
template <typename T>
__device__ inline T lstm_cell_grad(const T* z, long long row, long long j, long long units, T c_prev, T t,
                                   T dh, T dc, T* d) {
    const T one = (T)1;
    const T i = z[row + j], f = z[row + units + j], g = z[row + 2 * units + j], o = z[row + 3 * units + j];
    const T dcell = dc + dh * o * (one - t * t);
    d[row + j] = dcell * g * i * (one - i);
    d[row + units + j] = dcell * c_prev * f * (one - f);
    d[row + 2 * units + j] = dcell * i * (one - g * g);
    d[row + 3 * units + j] = dh * t * o * (one - o);
    return dcell * f;
}

#define GRID_STRIDE(k, total)                                                                      \
    for (long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x; k < (total);              \
         k += (long long)blockDim.x * gridDim.x)

#define DEFINE_LSTM_STEP(T, SUFFIX)                                                                \
extern "C" __global__ void lstm_step_fwd_##SUFFIX(                                                 \
        T* __restrict__ z, const T* __restrict__ rec, const T* __restrict__ c_prev,                \
        T* __restrict__ c, T* __restrict__ tc, T* __restrict__ h,                                  \
        const long long total, const int units) {                                                  \
    GRID_STRIDE(k, total) {                                                                        \
        T cell, t, o;                                                                              \
        lstm_cell<T>(z, rec, (k / units) * 4LL * units, k % units, units, c_prev[k], &cell, &t, &o); \
        c[k] = cell;                                                                               \
        tc[k] = t;                                                                                 \
        h[k] = o * t;                                                                              \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
extern "C" __global__ void lstm_step_bwd_##SUFFIX(                                                 \
        const T* __restrict__ dh, const T* __restrict__ go, const long long go_offset,             \
        const long long go_stride, T* __restrict__ dc, const T* __restrict__ z,                    \
        const T* __restrict__ c_prev, const T* __restrict__ tc, T* __restrict__ d,                 \
        const long long total, const int units) {                                                  \
    GRID_STRIDE(k, total) {                                                                        \
        const long long b = k / units, j = k % units;                                              \
        const T dh_k = dh[k] + go[go_offset + b * go_stride + j];                                  \
        dc[k] = lstm_cell_grad<T>(z, b * 4LL * units, j, units, c_prev[k], tc[k], dh_k, dc[k], d); \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
/* out_prev is read only when use_prev (not the first step, and not zero_output). */             \
extern "C" __global__ void lstm_step_fwd_masked_##SUFFIX(                                          \
        T* __restrict__ z, const T* __restrict__ rec, const T* __restrict__ c_prev,                \
        T* __restrict__ c, T* __restrict__ tc, const T* __restrict__ h_prev, T* __restrict__ h,    \
        const T* __restrict__ keep, T* __restrict__ out, const T* __restrict__ out_prev,           \
        const int use_prev, const long long total, const int units) {                              \
    GRID_STRIDE(k, total) {                                                                        \
        const long long b = k / units;                                                             \
        T cell, t, o;                                                                              \
        lstm_cell<T>(z, rec, b * 4LL * units, k % units, units, c_prev[k], &cell, &t, &o);         \
        tc[k] = t;                                                                                 \
        const bool kept = keep[b] != (T)0;                                                         \
        out[k] = kept ? o * t : (use_prev ? out_prev[k] : (T)0);                                   \
        h[k] = kept ? o * t : h_prev[k];                                                           \
        c[k] = kept ? cell : c_prev[k];                                                            \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
/* A masked step passes the cotangents of h and c to the step before it unchanged (dh_keep, added   \
   after the GEMM, and dc), and its output's cotangent to the previous output (out_carry), unless     \
   zero_output. */                                                                                 \
extern "C" __global__ void lstm_step_bwd_masked_##SUFFIX(                                          \
        const T* __restrict__ dh, const T* __restrict__ go, const long long go_offset,             \
        const long long go_stride, T* __restrict__ out_carry, const T* __restrict__ keep,          \
        const int zero_output, T* __restrict__ dc, const T* __restrict__ z,                        \
        const T* __restrict__ c_prev, const T* __restrict__ tc, T* __restrict__ d,                 \
        T* __restrict__ dh_keep, const long long total, const int units) {                         \
    GRID_STRIDE(k, total) {                                                                        \
        const long long b = k / units, j = k % units;                                              \
        const T kept = keep[b];                                                                    \
        const T g_t = go[go_offset + b * go_stride + j] + out_carry[k];                            \
        const T dh_new = kept * (dh[k] + g_t);                                                     \
        out_carry[k] = zero_output ? (T)0 : g_t - kept * g_t;                                      \
        dh_keep[k] = dh[k] - kept * dh[k];                                                         \
        const T dc_keep = dc[k] - kept * dc[k];                                                    \
        dc[k] = lstm_cell_grad<T>(z, b * 4LL * units, j, units, c_prev[k], tc[k], dh_new,          \
                                  dc[k] * kept, d) + dc_keep;                                      \
    }                                                                                              \
}

DEFINE_LSTM_STEP(float, f32)
DEFINE_LSTM_STEP(double, f64)
