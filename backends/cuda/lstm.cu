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

#define DEFINE_LSTM_STEP(T, SUFFIX, TANH)                                                          \
extern "C" __global__ void lstm_step_fwd_##SUFFIX(                                                 \
        T* __restrict__ z, const T* __restrict__ rec, const T* __restrict__ c_prev,                \
        T* __restrict__ c, T* __restrict__ tc, T* __restrict__ h,                                  \
        const long long total, const int units) {                                                  \
    for (long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x; k < total;                \
         k += (long long)blockDim.x * gridDim.x) {                                                 \
        const long long row = (k / units) * 4LL * units;                                           \
        const long long j = k % units;                                                             \
        const T half = (T)0.5;                                                                     \
        /* sigmoid(v) = 0.5 tanh(v / 2) + 0.5: no overflow for any v, as in the generic kernel. */ \
        const T i = half * TANH(half * (z[row + j] + rec[row + j])) + half;                        \
        const T f = half * TANH(half * (z[row + units + j] + rec[row + units + j])) + half;        \
        const T g = TANH(z[row + 2 * units + j] + rec[row + 2 * units + j]);                       \
        const T o = half * TANH(half * (z[row + 3 * units + j] + rec[row + 3 * units + j])) + half;\
        const T cell = f * c_prev[k] + i * g;                                                      \
        const T t = TANH(cell);                                                                    \
        z[row + j] = i;                                                                            \
        z[row + units + j] = f;                                                                    \
        z[row + 2 * units + j] = g;                                                                \
        z[row + 3 * units + j] = o;                                                                \
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
    for (long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x; k < total;                \
         k += (long long)blockDim.x * gridDim.x) {                                                 \
        const long long b = k / units;                                                             \
        const long long row = b * 4LL * units;                                                     \
        const long long j = k % units;                                                             \
        const T one = (T)1;                                                                        \
        const T i = z[row + j], f = z[row + units + j];                                            \
        const T g = z[row + 2 * units + j], o = z[row + 3 * units + j];                            \
        const T t = tc[k];                                                                         \
        const T dh_k = dh[k] + go[go_offset + b * go_stride + j];                                  \
        const T dcell = dc[k] + dh_k * o * (one - t * t);                                          \
        d[row + j] = dcell * g * i * (one - i);                                                    \
        d[row + units + j] = dcell * c_prev[k] * f * (one - f);                                    \
        d[row + 2 * units + j] = dcell * i * (one - g * g);                                        \
        d[row + 3 * units + j] = dh_k * t * o * (one - o);                                         \
        dc[k] = dcell * f;                                                                         \
    }                                                                                              \
}

DEFINE_LSTM_STEP(float, f32, tanhf)
DEFINE_LSTM_STEP(double, f64, tanh)
