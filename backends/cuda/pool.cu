// Max and average pooling and their gradients for channels_last N-d inputs (1-D and 2-D run as 3-D with
// size-1 axes), for the CuPy backend (backends/cupy_pool.py, loaded with cupy.RawModule).
//
// Layouts (C-contiguous): x and gx (N, D, H, W, C); y and g (N, OD, OH, OW, C). Window (od, oh, ow)
// reads input rows od * SD - PD + kd (kd < KD), and likewise along H and W; rows outside the input are
// padding, which never wins a max and does not count in a mean (TensorFlow's rule).
//
// The forwards run one thread per output element. The gradients are gathers, one thread per input
// element summing over the windows that hold it, so no two threads write one address: no atomics, and
// the same result every run. A max window's gradient goes to its first maximum in row-major order.

#define POOL_PARAMS                                                                                \
    const long long total, const int C,                                                            \
    const int D, const int H, const int W,                                                         \
    const int OD, const int OH, const int OW,                                                      \
    const int KD, const int KH, const int KW,                                                      \
    const int SD, const int SH, const int SW,                                                      \
    const int PD, const int PH, const int PW

// The first and last window along one axis that holds input row i (empty when first > last).
#define FIRST_WINDOW(i, P, K, S) ((i) + (P) - (K) + 1 <= 0 ? 0 : ((i) + (P) - (K) + 1 + (S) - 1) / (S))
#define LAST_WINDOW(i, P, S, O) (((i) + (P)) / (S) < (O) - 1 ? ((i) + (P)) / (S) : (O) - 1)

// Decomposes flat index t of a (N, A, B, E, C) array into n, a, b, e, c.
#define SPLIT_INDEX(t, A, B, E)                                                                    \
    long long rest = (t);                                                                          \
    const int c = (int)(rest % C); rest /= C;                                                      \
    const int e_ = (int)(rest % (E)); rest /= (E);                                                 \
    const int b_ = (int)(rest % (B)); rest /= (B);                                                 \
    const int a_ = (int)(rest % (A)); rest /= (A);                                                 \
    const long long n = rest;

// The input rows (id, ih, iw) of window (od, oh, ow) that lie inside the input, in row-major window
// order; the innermost one-pass loop declares them and skips the padding.
#define FOR_EACH_WINDOW_ELEMENT(od, oh, ow)                                                        \
    for (int kd = 0; kd < KD; ++kd)                                                                \
    for (int kh = 0; kh < KH; ++kh)                                                                \
    for (int kw = 0; kw < KW; ++kw)                                                                \
    for (int id = (od) * SD - PD + kd, ih = (oh) * SH - PH + kh, iw = (ow) * SW - PW + kw, once = 1; \
         once && id >= 0 && id < D && ih >= 0 && ih < H && iw >= 0 && iw < W; once = 0)

#define X_AT(n, d, h, w) (((((n) * D + (d)) * H + (h)) * (long long)W + (w)) * C + c)
#define Y_AT(n, d, h, w) (((((n) * OD + (d)) * OH + (h)) * (long long)OW + (w)) * C + c)

#define DEFINE_POOL(T, SUFFIX)                                                                     \
extern "C" __global__ void max_pool_##SUFFIX(const T* __restrict__ x, T* __restrict__ y, POOL_PARAMS) { \
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total;                \
         t += (long long)blockDim.x * gridDim.x) {                                                 \
        SPLIT_INDEX(t, OD, OH, OW)                                                                 \
        T best = (T)0;                                                                             \
        bool found = false;                                                                        \
        FOR_EACH_WINDOW_ELEMENT(a_, b_, e_) {                                                      \
            const T v = x[X_AT(n, id, ih, iw)];                                                    \
            if (!found || v > best) { best = v; found = true; }                                    \
        }                                                                                          \
        y[t] = best;                                                                               \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
extern "C" __global__ void max_pool_grad_##SUFFIX(const T* __restrict__ g, const T* __restrict__ x,  \
                                                  const T* __restrict__ y, T* __restrict__ gx,      \
                                                  POOL_PARAMS) {                                   \
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total;                \
         t += (long long)blockDim.x * gridDim.x) {                                                 \
        SPLIT_INDEX(t, D, H, W)                                                                    \
        const T v = x[t];                                                                          \
        T acc = (T)0;                                                                              \
        for (int od = FIRST_WINDOW(a_, PD, KD, SD); od <= LAST_WINDOW(a_, PD, SD, OD); ++od)       \
        for (int oh = FIRST_WINDOW(b_, PH, KH, SH); oh <= LAST_WINDOW(b_, PH, SH, OH); ++oh)       \
        for (int ow = FIRST_WINDOW(e_, PW, KW, SW); ow <= LAST_WINDOW(e_, PW, SW, OW); ++ow) {     \
            const long long out = Y_AT(n, od, oh, ow);                                             \
            if (v != y[out]) continue;                                                             \
            /* This element takes the window's gradient unless an equal one comes before it. */    \
            bool first = true;                                                                     \
            for (int kd = 0; kd < KD && first; ++kd) {                                             \
                const int id = od * SD - PD + kd;                                                  \
                if (id < 0 || id >= D || id > a_) continue;                                        \
                for (int kh = 0; kh < KH && first; ++kh) {                                         \
                    const int ih = oh * SH - PH + kh;                                              \
                    if (ih < 0 || ih >= H) continue;                                               \
                    if (id == a_ && ih > b_) break;                                                \
                    for (int kw = 0; kw < KW; ++kw) {                                              \
                        const int iw = ow * SW - PW + kw;                                          \
                        if (iw < 0 || iw >= W) continue;                                           \
                        if (id == a_ && ih == b_ && iw >= e_) break;                               \
                        if (x[X_AT(n, id, ih, iw)] == v) { first = false; break; }                 \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
            if (first) acc += g[out];                                                              \
        }                                                                                          \
        gx[t] = acc;                                                                               \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
extern "C" __global__ void avg_pool_##SUFFIX(const T* __restrict__ x, T* __restrict__ y, POOL_PARAMS) { \
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total;                \
         t += (long long)blockDim.x * gridDim.x) {                                                 \
        SPLIT_INDEX(t, OD, OH, OW)                                                                 \
        T sum = (T)0;                                                                              \
        int count = 0;                                                                             \
        FOR_EACH_WINDOW_ELEMENT(a_, b_, e_) {                                                      \
            sum += x[X_AT(n, id, ih, iw)];                                                         \
            ++count;                                                                               \
        }                                                                                          \
        y[t] = sum / (T)count;                                                                     \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
extern "C" __global__ void avg_pool_grad_##SUFFIX(const T* __restrict__ g, T* __restrict__ gx,       \
                                                  POOL_PARAMS) {                                   \
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total;                \
         t += (long long)blockDim.x * gridDim.x) {                                                 \
        SPLIT_INDEX(t, D, H, W)                                                                    \
        T acc = (T)0;                                                                              \
        for (int od = FIRST_WINDOW(a_, PD, KD, SD); od <= LAST_WINDOW(a_, PD, SD, OD); ++od)       \
        for (int oh = FIRST_WINDOW(b_, PH, KH, SH); oh <= LAST_WINDOW(b_, PH, SH, OH); ++oh)       \
        for (int ow = FIRST_WINDOW(e_, PW, KW, SW); ow <= LAST_WINDOW(e_, PW, SW, OW); ++ow) {     \
            /* The window's real elements: its extent along each axis, clipped to the input. */    \
            const int sd = od * SD - PD, sh = oh * SH - PH, sw = ow * SW - PW;                     \
            const int cd = (sd + KD < D ? sd + KD : D) - (sd > 0 ? sd : 0);                        \
            const int ch = (sh + KH < H ? sh + KH : H) - (sh > 0 ? sh : 0);                        \
            const int cw = (sw + KW < W ? sw + KW : W) - (sw > 0 ? sw : 0);                        \
            acc += g[Y_AT(n, od, oh, ow)] / (T)(cd * ch * cw);                                     \
        }                                                                                          \
        gx[t] = acc;                                                                               \
    }                                                                                              \
}

DEFINE_POOL(float, f32)
DEFINE_POOL(double, f64)
