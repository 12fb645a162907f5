"""The convolution kernels written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy).

How the work is laid out (conventions in `backends.base_conv`):

- ``conv``: a strided view of every window of the (padded) input, ``(N, *out, *k, C)``, costs nothing;
  copying it gives the patch matrix ``(N * out, k * C)`` and one GEMM with the ``(k * C, F)`` kernel gives
  the channels_last output directly, with the large dimension (the pixels) as the GEMM's rows; bias
  and relu are applied in place on each chunk's fresh output.
  With few input channels (a first layer, C = 1 or 3) the patch matrix is built transposed, one copy
  per kernel offset, because the usual layout would copy runs only ``k_w * C`` elements long.
- ``conv_grad_kernel``: the same patch matrix, transposed, times the output gradient: one GEMM. Given
  a ``saved`` dict the forward leaves its patches there and this reuses them (one im2col copy less),
  but only up to `conv_keep_patches_bytes`: patches larger than the cache come back from memory,
  which costs more than rebuilding them chunk by chunk from the far smaller input into one cache-warm
  buffer. On the MNIST CNN's second layer (42 MB of patches from a 5.5 MB input) its three kernels
  took 30.8 ms rebuilding against 31.2 ms keeping (21.6 ms against 22.2 ms with OpenBLAS's AVX-512
  kernels; interleaved medians), with 42 MB less memory held; the first layer's 1.5 MB of patches by
  offset are still kept.
- ``conv_grad_input``: for each of the ``prod(k)`` kernel offsets (never for each pixel), one GEMM
  ``g @ kernel[offset]^T`` gives that offset's share of the input gradient, ``(N, *out, C)``, and a
  col2im add puts it into a strided slice of the result. Measured on the MNIST CNN's second layer
  against the alternatives: one ``(rows, k * C)`` GEMM then col2im from its strided columns was 1.3x
  slower (its adds read runs only C long); the transposed-convolution form (a convolution of the
  zero-padded, stride-dilated gradient with the flipped kernel) was slower still, since it builds a
  patch matrix of the gradient's 64 channels (100 MB against 42 MB) whose copy alone costs what the
  whole col2im loop does.
- The batch is cut into chunks of about `conv_chunk_bytes` of patches. A chunk's patches are written,
  then read by the GEMM (or the col2im loop) while they are still in cache, and each chunk's buffer
  stays under malloc's mmap threshold, so it is reused from one call to the next instead of being
  page-faulted in again. On the MNIST CNN's second layer this halves the cost of building the patches
  (5.2 ms to 2.6 ms) and the GEMMs read from L3 instead of DRAM. A chunk is a GEMM of thousands of rows:
  no Python loop over pixels.
- Depthwise convolutions have no channel reduction, so no GEMM: a loop over kernel offsets multiplies
  each offset's strided window view by that offset's ``(C, depth_multiplier)`` weights.
"""
import itertools
import math

from backends.conv_arithmetic import conv_output_size


def _clipped(n, out, k_off, stride, dilation, before):
    """For one kernel offset along one axis: ``(src, dst)`` slices such that outputs ``src`` read the
    (unpadded) input positions ``dst``; outputs whose read falls in the padding are left out. None when
    no output reads real input at this offset."""
    shift = k_off * dilation - before  # the input index that output 0 reads
    first = 0 if shift >= 0 else (stride - 1 - shift) // stride
    last = min(out - 1, (n - 1 - shift) // stride)
    if last < first:
        return None
    start = first * stride + shift
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


class ConvolutionKernels:
    """Mixed into `generic.XPBackend`; implements `base_conv.ConvolutionInterface`."""

    # Patch bytes per chunk of the batch (see the module docstring); a backend without a cache hierarchy
    # to fit (a GPU) sets it higher.
    conv_chunk_bytes = 4 << 20
    # The forward keeps its patches for the kernel gradient (given a `saved` dict) up to this many bytes,
    # about what stays in the last-level cache; above it the gradient rebuilds them (module docstring).
    conv_keep_patches_bytes = 8 << 20

    # ---------------------------------------------------------------- helpers
    def _padded(self, x, padding):
        """``x`` with zeros added around its spatial axes (``x`` itself when there are none)."""
        if not any(lo or hi for lo, hi in padding):
            return x
        shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], padding)) + \
            (x.shape[-1],)
        out = self.xp.zeros(shape, dtype=x.dtype)
        out[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[1:-1], padding))] = x
        return out

    def _windows(self, xpad, kernel_size, strides, dilation):
        """Read-only strided view ``(N, *out, *kernel_size, C)`` of every window of ``xpad``: no copy."""
        d = len(kernel_size)
        spatial = xpad.shape[1:-1]
        out = tuple(conv_output_size(n, k, s, r) for n, k, s, r in zip(spatial, kernel_size, strides, dilation))
        st = xpad.strides
        shape = (xpad.shape[0],) + out + tuple(kernel_size) + (xpad.shape[-1],)
        view_strides = ((st[0],) + tuple(st[1 + i] * strides[i] for i in range(d)) +
                        tuple(st[1 + i] * dilation[i] for i in range(d)) + (st[-1],))
        return self.xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=view_strides)

    def _chunks(self, n, bytes_per_image):
        per = max(1, self.conv_chunk_bytes // max(1, bytes_per_image))
        return [(lo, min(n, lo + per)) for lo in range(0, n, per)]

    def _patches(self, windows, lo, hi):
        """The patch matrix ``(rows, k * C)`` of images ``lo:hi``: the one copy im2col needs."""
        chunk = self.xp.ascontiguousarray(windows[lo:hi])
        rows = (hi - lo) * math.prod(windows.shape[1:1 + (windows.ndim - 2) // 2])
        return chunk.reshape(rows, -1)

    def _patches_by_offset(self, windows):
        """The patch matrix transposed, ``(k * C, N * out)``, built with one copy per kernel offset.

        For inputs with few channels (a first layer: C = 1 or 3) a window row is only ``k_w * C``
        elements long, and copying the usual ``(N * out, k * C)`` layout moves runs that short; here each
        offset's copy moves whole rows of the input instead (4x faster on MNIST's first layer)."""
        xp = self.xp
        d = (windows.ndim - 2) // 2
        n, out_spatial, ksize, c = windows.shape[0], windows.shape[1:1 + d], windows.shape[1 + d:-1], windows.shape[-1]
        rows = n * math.prod(out_spatial)
        patches = xp.empty((math.prod(ksize), c) + (n,) + out_spatial, dtype=windows.dtype)
        lead = (slice(None),) * (1 + d)
        for index, off in enumerate(itertools.product(*(range(k) for k in ksize))):
            patches[index] = xp.moveaxis(windows[lead + off], -1, 0)
        return patches.reshape(-1, rows)

    @staticmethod
    def _by_offset(kernel_size, channels):
        return kernel_size[-1] * channels < 16

    @staticmethod
    def _is_pointwise(kernel_size, strides, padding):
        return all(k == 1 for k in kernel_size) and all(s == 1 for s in strides) and \
            not any(lo or hi for lo, hi in padding)

    def _group_slices(self, groups, c_in, f):
        cg, fg = c_in // groups, f // groups
        return [(slice(i * cg, (i + 1) * cg), slice(i * fg, (i + 1) * fg)) for i in range(groups)]

    # ---------------------------------------------------------------- convolution
    @staticmethod
    def _as_depthwise(kernel_shape, groups):
        """The depthwise kernel shape ``(*k, C, F // C)`` of a grouped kernel with one input channel per
        group (ConvNeXt's 7x7 `Conv2D(groups=C)`), or None. Group ``c``'s filters are output channels
        ``c * m .. c * m + m - 1``, depthwise's order too, so the kernel is only reshaped: one pass per
        kernel offset instead of a convolution per channel."""
        if groups > 1 and kernel_shape[-2] == 1:
            return tuple(kernel_shape[:-2]) + (groups, kernel_shape[-1] // groups)
        return None

    def conv(self, x, kernel, strides, padding, dilation, groups=1, bias=None, relu=False, saved=None):
        xp = self.xp
        depthwise = self._as_depthwise(kernel.shape, groups)
        if depthwise is not None:
            out = self.depthwise_conv(x, kernel.reshape(depthwise), strides, padding, dilation)
            self._epilogue(out, bias, relu)
            return out
        if groups > 1:
            parts = self._group_slices(groups, x.shape[-1], kernel.shape[-1])
            out = xp.concatenate([self._conv(x[..., ci], kernel[..., fi], strides, padding, dilation)
                                  for ci, fi in parts], axis=-1)
            self._epilogue(out, bias, relu)
            return out
        return self._conv(x, kernel, strides, padding, dilation, saved, bias, relu)

    def _epilogue(self, out, bias, relu):
        """Bias and relu, in place on a fresh output."""
        if bias is not None:
            out += bias
        if relu:
            self.xp.maximum(out, 0, out=out)

    def _conv(self, x, kernel, strides, padding, dilation, saved=None, bias=None, relu=False):
        xp = self.xp
        ksize, f = kernel.shape[:-2], kernel.shape[-1]
        dtype = xp.result_type(x.dtype, kernel.dtype)
        kmat = kernel.reshape(-1, f)
        if self._is_pointwise(ksize, strides, padding):
            # A 1x1 convolution is a Dense layer on the channels: no patches to build.
            out = xp.matmul(x.reshape(-1, x.shape[-1]), kmat).reshape(x.shape[:-1] + (f,))
            self._epilogue(out, bias, relu)
            return out
        windows = self._windows(self._padded(x, padding), ksize, strides, dilation)
        n, out_spatial = x.shape[0], windows.shape[1:1 + len(ksize)]
        rows = math.prod(out_spatial)
        if self._by_offset(ksize, x.shape[-1]):
            patches_t = self._patches_by_offset(windows)
            out = xp.matmul(patches_t.T, kmat)
            self._epilogue(out, bias, relu)
            if saved is not None and patches_t.nbytes <= self.conv_keep_patches_bytes:
                saved["patches_t"] = patches_t
            return out.reshape((n,) + out_spatial + (f,))
        out = xp.empty((n, rows, f), dtype=dtype)
        keep = saved is not None and n * rows * kmat.shape[0] * windows.itemsize <= self.conv_keep_patches_bytes
        kept = []
        for lo, hi in self._chunks(n, rows * kmat.shape[0] * windows.itemsize):
            patches = self._patches(windows, lo, hi)
            chunk = out[lo:hi].reshape(-1, f)
            xp.matmul(patches, kmat, out=chunk)
            # While the chunk's output is still in cache, rather than as two more passes over all of it.
            self._epilogue(chunk, bias, relu)
            if keep:
                # Each chunk is its own allocation, under malloc's mmap threshold: keeping them costs no
                # page faults, and the kernel gradient skips rebuilding them (one im2col copy per step).
                kept.append(patches)
        if keep:
            saved["patches"] = kept
        return out.reshape((n,) + out_spatial + (f,))

    def conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation, groups=1, saved=None):
        depthwise = self._as_depthwise(kernel_shape, groups)
        if depthwise is not None:
            return self.depthwise_conv_grad_kernel(x, g, depthwise, strides, padding, dilation).reshape(
                tuple(kernel_shape))
        if groups > 1:
            parts = self._group_slices(groups, x.shape[-1], g.shape[-1])
            shape = tuple(kernel_shape[:-1]) + (kernel_shape[-1] // groups,)
            return self.xp.concatenate([self._conv_grad_kernel(x[..., ci], g[..., fi], shape, strides, padding,
                                                               dilation) for ci, fi in parts], axis=-1)
        return self._conv_grad_kernel(x, g, kernel_shape, strides, padding, dilation, saved)

    def _conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation, saved=None):
        xp = self.xp
        ksize, f = tuple(kernel_shape[:-2]), kernel_shape[-1]
        if self._is_pointwise(ksize, strides, padding):
            return xp.matmul(x.reshape(-1, x.shape[-1]).T, g.reshape(-1, f)).reshape(kernel_shape)
        windows = self._windows(self._padded(x, padding), ksize, strides, dilation)
        n = x.shape[0]
        rows = math.prod(windows.shape[1:1 + len(ksize)])
        if self._by_offset(ksize, x.shape[-1]):
            patches_t = saved.pop("patches_t", None) if saved else None
            if patches_t is None:
                patches_t = self._patches_by_offset(windows)
            return xp.matmul(patches_t, g.reshape(-1, f)).reshape(kernel_shape)
        gmat = g.reshape(n, rows, f)
        kept = saved.pop("patches", None) if saved else None
        total = None
        for i, (lo, hi) in enumerate(self._chunks(n, rows * math.prod(kernel_shape[:-1]) * windows.itemsize)):
            patches = kept[i] if kept is not None else self._patches(windows, lo, hi)
            part = xp.matmul(patches.T, gmat[lo:hi].reshape(-1, f))
            if total is None:
                total = part
            else:
                total += part
        return total.reshape(kernel_shape)

    def conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation, groups=1):
        depthwise = self._as_depthwise(kernel.shape, groups)
        if depthwise is not None:
            return self.depthwise_conv_grad_input(g, kernel.reshape(depthwise), input_shape, strides, padding,
                                                  dilation)
        if groups > 1:
            parts = self._group_slices(groups, kernel.shape[-2] * groups, kernel.shape[-1])
            shape = tuple(input_shape[:-1]) + (input_shape[-1] // groups,)
            return self.xp.concatenate([self._conv_grad_input(g[..., fi], kernel[..., fi], shape, strides,
                                                              padding, dilation) for _, fi in parts], axis=-1)
        return self._conv_grad_input(g, kernel, input_shape, strides, padding, dilation)

    def _conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation):
        xp = self.xp
        input_shape = tuple(input_shape)
        ksize, (c, f) = kernel.shape[:-2], kernel.shape[-2:]
        dtype = xp.result_type(g.dtype, kernel.dtype)
        if self._is_pointwise(ksize, strides, padding):
            return xp.matmul(g.reshape(-1, f), kernel.reshape(c, f).T).reshape(input_shape)
        n, out_spatial, spatial = input_shape[0], g.shape[1:-1], input_shape[1:-1]
        rows = math.prod(out_spatial)
        # Per kernel offset: the outputs whose window reads real (unpadded) input there, and where.
        offsets = []
        for index, off in enumerate(itertools.product(*(range(k) for k in ksize))):
            pairs = [_clipped(sp, o, k, s, r, pad[0])
                     for sp, o, k, s, r, pad in zip(spatial, out_spatial, off, strides, dilation, padding)]
            if all(p is not None for p in pairs):
                offsets.append((index, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)))
        kmats = kernel.reshape(-1, c, f)
        dx = xp.zeros(input_shape, dtype=dtype)
        gmat = g.reshape(n, rows, f)
        chunks = self._chunks(n, rows * kmats.shape[0] * c * dx.itemsize)
        share = xp.empty(((chunks[0][1] - chunks[0][0]) * rows, c), dtype=dtype)
        all_ = (slice(None),)
        for lo, hi in chunks:
            gm = gmat[lo:hi].reshape(-1, f)
            part = share[:gm.shape[0]]
            view = part.reshape((hi - lo,) + out_spatial + (c,))
            target = dx[lo:hi]
            for index, src, dst in offsets:
                # One GEMM per offset gives that offset's share contiguous, so the col2im add streams;
                # slicing it out of a single (rows, k * C) product instead reads C-long runs and measured
                # 1.3x slower on the whole gradient (2x with OpenBLAS's own core detection).
                xp.matmul(gm, kmats[index].T, out=part)
                target[all_ + dst] += view[all_ + src]
        return dx

    # ---------------------------------------------------------------- depthwise convolution
    def depthwise_conv(self, x, kernel, strides, padding, dilation):
        xp = self.xp
        ksize, (c, m) = kernel.shape[:-2], kernel.shape[-2:]
        windows = self._windows(self._padded(x, padding), ksize, strides, dilation)
        d = len(ksize)
        out_spatial = windows.shape[1:1 + d]
        dtype = xp.result_type(x.dtype, kernel.dtype)
        out = xp.zeros((x.shape[0],) + out_spatial + (c, m), dtype=dtype)
        tmp = xp.empty_like(out)
        lead = (slice(None),) * (1 + d)
        for off in itertools.product(*(range(k) for k in ksize)):
            xp.multiply(windows[lead + off][..., None], kernel[off], out=tmp)
            out += tmp
        return out.reshape((x.shape[0],) + out_spatial + (c * m,))

    def depthwise_conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation):
        xp = self.xp
        ksize, (c, m) = tuple(kernel_shape[:-2]), kernel_shape[-2:]
        windows = self._windows(self._padded(x, padding), ksize, strides, dilation)
        d = len(ksize)
        g4 = g.reshape(g.shape[:-1] + (c, m))
        dk = xp.empty(tuple(kernel_shape), dtype=xp.result_type(x.dtype, g.dtype))
        lead, axes = (slice(None),) * (1 + d), tuple(range(1 + d))
        tmp = xp.empty_like(g4, dtype=dk.dtype)
        for off in itertools.product(*(range(k) for k in ksize)):
            xp.multiply(windows[lead + off][..., None], g4, out=tmp)
            dk[off] = xp.sum(tmp, axis=axes)
        return dk

    def depthwise_conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation):
        xp = self.xp
        input_shape = tuple(input_shape)
        ksize, (c, m) = kernel.shape[:-2], kernel.shape[-2:]
        g4 = g.reshape(g.shape[:-1] + (c, m))
        dx = xp.zeros(input_shape, dtype=xp.result_type(g.dtype, kernel.dtype))
        all_ = (slice(None),)
        for off in itertools.product(*(range(k) for k in ksize)):
            pairs = [_clipped(sp, o, k, s, r, pad[0]) for sp, o, k, s, r, pad in
                     zip(input_shape[1:-1], g.shape[1:-1], off, strides, dilation, padding)]
            if any(p is None for p in pairs):
                continue
            src, dst = tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
            share = g4[all_ + src]
            if m == 1:
                dx[all_ + dst] += share[..., 0] * kernel[off][:, 0]
            else:
                dx[all_ + dst] += xp.sum(share * kernel[off], axis=-1)
        return dx
