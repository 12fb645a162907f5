// im2col and col2im for channels_last N-d convolution (1-D and 2-D run as 3-D with size-1 axes),
// loaded by backends/cupy_conv.py with cupy.RawModule; the GEMMs around them are cuBLAS.
//
// Layouts (C-contiguous):
//   x     (N, D, H, W, C)                       the unpadded input; padding is read as zeros
//   cols  (N, OD, OH, OW, KD, KH, KW, C)        one row per output pixel, matching kernel.reshape(-1, F)
//
// im2col writes every element of cols from one input element (or zero). col2im is the gather form of
// the adjoint: each thread owns one element of dx and sums the cols entries that read it, so no two
// threads write the same address and no atomics are needed (results are deterministic).

#define CONV_GEOMETRY_PARAMS                                                                       \
    const long long total, const int C,                                                            \
    const int D, const int H, const int W,                                                         \
    const int OD, const int OH, const int OW,                                                      \
    const int KD, const int KH, const int KW,                                                      \
    const int SD, const int SH, const int SW,                                                      \
    const int RD, const int RH, const int RW,                                                      \
    const int PD, const int PH, const int PW

#define DEFINE_IM2COL(T, SUFFIX)                                                                   \
extern "C" __global__ void im2col_##SUFFIX(const T* __restrict__ x, T* __restrict__ cols,          \
                                           CONV_GEOMETRY_PARAMS) {                                 \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;                \
         i += (long long)blockDim.x * gridDim.x) {                                                 \
        long long t = i;                                                                           \
        const int c = (int)(t % C); t /= C;                                                        \
        const int kw = (int)(t % KW); t /= KW;                                                     \
        const int kh = (int)(t % KH); t /= KH;                                                     \
        const int kd = (int)(t % KD); t /= KD;                                                     \
        const int ow = (int)(t % OW); t /= OW;                                                     \
        const int oh = (int)(t % OH); t /= OH;                                                     \
        const int od = (int)(t % OD); t /= OD;                                                     \
        const long long n = t;                                                                     \
        const int id = od * SD + kd * RD - PD;                                                     \
        const int ih = oh * SH + kh * RH - PH;                                                     \
        const int iw = ow * SW + kw * RW - PW;                                                     \
        T v = (T)0;                                                                                \
        if (id >= 0 && id < D && ih >= 0 && ih < H && iw >= 0 && iw < W) {                         \
            v = x[(((n * D + id) * H + ih) * (long long)W + iw) * C + c];                          \
        }                                                                                          \
        cols[i] = v;                                                                               \
    }                                                                                              \
}

#define DEFINE_COL2IM(T, SUFFIX)                                                                   \
extern "C" __global__ void col2im_##SUFFIX(const T* __restrict__ cols, T* __restrict__ dx,         \
                                           CONV_GEOMETRY_PARAMS) {                                 \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;                \
         i += (long long)blockDim.x * gridDim.x) {                                                 \
        long long t = i;                                                                           \
        const int c = (int)(t % C); t /= C;                                                        \
        const int iw = (int)(t % W); t /= W;                                                       \
        const int ih = (int)(t % H); t /= H;                                                       \
        const int id = (int)(t % D); t /= D;                                                       \
        const long long n = t;                                                                     \
        T sum = (T)0;                                                                              \
        for (int kd = 0; kd < KD; ++kd) {                                                          \
            const int pd = id + PD - kd * RD;                                                      \
            if (pd < 0 || pd % SD != 0 || pd / SD >= OD) continue;                                 \
            const int od = pd / SD;                                                                \
            for (int kh = 0; kh < KH; ++kh) {                                                      \
                const int ph = ih + PH - kh * RH;                                                  \
                if (ph < 0 || ph % SH != 0 || ph / SH >= OH) continue;                             \
                const int oh = ph / SH;                                                            \
                for (int kw = 0; kw < KW; ++kw) {                                                  \
                    const int pw = iw + PW - kw * RW;                                              \
                    if (pw < 0 || pw % SW != 0 || pw / SW >= OW) continue;                         \
                    const int ow = pw / SW;                                                        \
                    const long long row = ((n * OD + od) * OH + oh) * (long long)OW + ow;          \
                    sum += cols[(((row * KD + kd) * KH + kh) * (long long)KW + kw) * C + c];       \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        dx[i] = sum;                                                                               \
    }                                                                                              \
}

DEFINE_IM2COL(float, f32)
DEFINE_IM2COL(double, f64)
DEFINE_COL2IM(float, f32)
DEFINE_COL2IM(double, f64)
