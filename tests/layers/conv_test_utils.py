"""Direct NumPy loop references for the convolution tests (kernels and layers): one Python loop over
output positions and kernel offsets, written from the definitions and independent of the library's
code, in float64."""
import itertools

import numpy as np


def tf_padding(padding, spatial, kernel_size, strides, dilation):
    """TensorFlow's explicit amounts for 'valid' / 'same' / 'causal', one (before, after) per axis."""
    pads = []
    for n, k, s, r in zip(spatial, kernel_size, strides, dilation):
        effective = (k - 1) * r + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((effective - 1, 0))
        else:  # 'same': output ceil(n / s); the odd pixel of padding goes after
            total = max((-(-n // s) - 1) * s + effective - n, 0)
            pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _out_spatial(spatial, kernel_size, strides, pads, dilation):
    return tuple((n + lo + hi - (k - 1) * r - 1) // s + 1
                 for n, k, s, (lo, hi), r in zip(spatial, kernel_size, strides, pads, dilation))


def _padded(x, pads):
    return np.pad(x.astype("float64"), [(0, 0)] + list(pads) + [(0, 0)])


def conv(x, kernel, strides, pads, dilation, groups=1):
    """channels_last cross-correlation, kernel (*k, C // groups, F)."""
    d = x.ndim - 2
    ksize, (cg, f) = kernel.shape[:d], kernel.shape[d:]
    fg = f // groups
    xp = _padded(x, pads)
    out_sp = _out_spatial(x.shape[1:-1], ksize, strides, pads, dilation)
    out = np.zeros((x.shape[0],) + out_sp + (f,))
    for o in itertools.product(*map(range, out_sp)):
        for k in itertools.product(*map(range, ksize)):
            pix = xp[(slice(None),) + tuple(o[i] * strides[i] + k[i] * dilation[i] for i in range(d))]
            for gi in range(groups):
                out[(slice(None),) + o + (slice(gi * fg, (gi + 1) * fg),)] += \
                    pix[:, gi * cg:(gi + 1) * cg] @ kernel[k][:, gi * fg:(gi + 1) * fg]
    return out


def conv_grads(x, kernel, g, strides, pads, dilation, groups=1):
    """(dL/dx, dL/dkernel) of `conv` for output gradient g, by the same loops."""
    d = x.ndim - 2
    ksize, (cg, f) = kernel.shape[:d], kernel.shape[d:]
    fg = f // groups
    xp = _padded(x, pads)
    dxp, dk = np.zeros_like(xp), np.zeros(kernel.shape)
    for o in itertools.product(*map(range, g.shape[1:-1])):
        go = g[(slice(None),) + o].astype("float64")
        for k in itertools.product(*map(range, ksize)):
            idx = (slice(None),) + tuple(o[i] * strides[i] + k[i] * dilation[i] for i in range(d))
            for gi in range(groups):
                cs, fs = slice(gi * cg, (gi + 1) * cg), slice(gi * fg, (gi + 1) * fg)
                dxp[idx + (cs,)] += go[:, fs] @ kernel[k][:, fs].T
                dk[k][:, fs] += xp[idx + (cs,)].T @ go[:, fs]
    crop = (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[1:-1]))
    return dxp[crop], dk


def conv_transpose(x, kernel, out_spatial, strides, pads, dilation):
    """The transposed convolution to `out_spatial`, kernel (*k, F, C_in): each input pixel scatters
    kernel-weighted copies of itself into the (padded) output, which is then cropped."""
    d = x.ndim - 2
    ksize, f = kernel.shape[:d], kernel.shape[d]
    full = tuple(n + lo + hi for n, (lo, hi) in zip(out_spatial, pads))
    out = np.zeros((x.shape[0],) + full + (f,))
    for i in itertools.product(*map(range, x.shape[1:-1])):
        pix = x[(slice(None),) + i].astype("float64")
        for k in itertools.product(*map(range, ksize)):
            pos = tuple(i[a] * strides[a] + k[a] * dilation[a] for a in range(d))
            if all(p < n for p, n in zip(pos, full)):
                out[(slice(None),) + pos] += pix @ kernel[k].T
    crop = (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, out_spatial))
    return out[crop]


def depthwise_conv(x, kernel, strides, pads, dilation):
    """Each channel c with its own filters kernel[..., c, :]; output channel c * M + m."""
    d = x.ndim - 2
    ksize, (c, m) = kernel.shape[:d], kernel.shape[d:]
    xp = _padded(x, pads)
    out_sp = _out_spatial(x.shape[1:-1], ksize, strides, pads, dilation)
    out = np.zeros((x.shape[0],) + out_sp + (c, m))
    for o in itertools.product(*map(range, out_sp)):
        for k in itertools.product(*map(range, ksize)):
            pix = xp[(slice(None),) + tuple(o[i] * strides[i] + k[i] * dilation[i] for i in range(d))]
            out[(slice(None),) + o] += pix[:, :, None] * kernel[k]
    return out.reshape(out.shape[:-2] + (c * m,))


def depthwise_grads(x, kernel, g, strides, pads, dilation):
    d = x.ndim - 2
    ksize, (c, m) = kernel.shape[:d], kernel.shape[d:]
    xp = _padded(x, pads)
    dxp, dk = np.zeros_like(xp), np.zeros(kernel.shape)
    g = g.reshape(g.shape[:-1] + (c, m)).astype("float64")
    for o in itertools.product(*map(range, g.shape[1:-2])):
        go = g[(slice(None),) + o]
        for k in itertools.product(*map(range, ksize)):
            idx = (slice(None),) + tuple(o[i] * strides[i] + k[i] * dilation[i] for i in range(d))
            dxp[idx] += np.sum(go * kernel[k], axis=-1)
            dk[k] += np.sum(xp[idx][:, :, None] * go, axis=0)
    crop = (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[1:-1]))
    return dxp[crop], dk


def channels_first(fn):
    """A channels_last reference turned into a channels_first one (inputs and outputs transposed)."""
    def wrapped(x, *args, **kwargs):
        d = x.ndim - 2
        to_last = (0,) + tuple(range(2, d + 2)) + (1,)
        out = fn(np.transpose(x, to_last), *args, **kwargs)
        return np.transpose(out, (0, d + 1) + tuple(range(1, d + 1)))
    return wrapped
