"""The CuPy backend's convolution overrides: im2col and col2im as CUDA kernels (`backends/cuda/conv.cu`,
loaded with `cupy.RawModule`) around cuBLAS GEMMs (`xp.matmul`).

Why override: the generic kernels build the patch matrix from a strided view and do col2im as one
strided slice-add per kernel offset, which on a GPU is one launch per copy and per offset, reading and
writing the whole input gradient ``prod(kernel_size)`` times. Here each is one launch, with padding read
as zeros in the kernel instead of materialised, and col2im as a gather (one thread per input element,
no atomics, deterministic). Each override has a parity test against the generic kernel
(tests/backends/test_kernels_conv.py). Grouped convolutions and other dtypes fall back to the generic
kernels.
"""
import math

import numpy  # host-side: kernel arguments are passed as NumPy scalars of the C types

from backends import cuda_modules
from backends.conv_arithmetic import conv_output_sizes

_SOURCE = cuda_modules.source("conv.cu")


class CupyConvolutionKernels:
    """Mixed into `cupy_backend.CupyBackend` ahead of `generic.XPBackend`."""

    # The generic fallbacks (groups, depthwise) need no cache blocking on a GPU: one chunk, fewer launches.
    conv_chunk_bytes = 1 << 62

    # ---------------------------------------------------------------- plumbing
    def _cuda_function(self, name, dtype):
        return cuda_modules.function(self.xp, _SOURCE, name, dtype)

    def _fast_path(self, a, b, groups):
        return groups == 1 and a.dtype == b.dtype and a.dtype.name in cuda_modules.SUFFIX

    @staticmethod
    def _geometry(input_shape, out_spatial, ksize, strides, padding, dilation):
        """The kernels' int arguments, 1-D and 2-D padded to 3-D with size-1 axes."""
        lead = 3 - len(ksize)
        spatial = (1,) * lead + tuple(input_shape[1:-1])
        out = (1,) * lead + tuple(out_spatial)
        k = (1,) * lead + tuple(ksize)
        s = (1,) * lead + tuple(strides)
        r = (1,) * lead + tuple(dilation)
        p = (0,) * lead + tuple(lo for lo, _ in padding)
        return [numpy.int32(v) for v in (input_shape[-1],) + spatial + out + k + s + r + p]

    def _launch(self, name, src, dst, total, geometry):
        if total == 0:
            return
        self._cuda_function(name, dst.dtype)((cuda_modules.blocks(total),), (cuda_modules.THREADS,),
                                             (src, dst, numpy.int64(total), *geometry))

    def _im2col(self, x, ksize, out_spatial, strides, padding, dilation):
        xp = self.xp
        x = xp.ascontiguousarray(x)
        cols = xp.empty((x.shape[0],) + tuple(out_spatial) + tuple(ksize) + (x.shape[-1],), dtype=x.dtype)
        self._launch("im2col", x, cols, cols.size,
                     self._geometry(x.shape, out_spatial, ksize, strides, padding, dilation))
        return cols.reshape(x.shape[0] * math.prod(out_spatial), -1)

    # ---------------------------------------------------------------- overrides
    def conv(self, x, kernel, strides, padding, dilation, groups=1, bias=None, relu=False, saved=None):
        # `saved` is not used: rebuilding the patches is one launch here, cheaper than holding them.
        if not self._fast_path(x, kernel, groups):
            return super().conv(x, kernel, strides, padding, dilation, groups, bias=bias, relu=relu)
        xp = self.xp
        ksize, f = kernel.shape[:-2], kernel.shape[-1]
        out_spatial = conv_output_sizes(x.shape[1:-1], ksize, strides, padding, dilation)
        cols = self._im2col(x, ksize, out_spatial, strides, padding, dilation)
        out = xp.matmul(cols, kernel.reshape(-1, f)).reshape((x.shape[0],) + out_spatial + (f,))
        if bias is not None:
            out += bias
        if relu:
            xp.maximum(out, 0, out=out)
        return out

    def conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation, groups=1, saved=None):
        if not self._fast_path(x, g, groups):
            return super().conv_grad_kernel(x, g, kernel_shape, strides, padding, dilation, groups)
        ksize, f = tuple(kernel_shape[:-2]), kernel_shape[-1]
        cols = self._im2col(x, ksize, g.shape[1:-1], strides, padding, dilation)
        return self.xp.matmul(cols.T, g.reshape(-1, f)).reshape(tuple(kernel_shape))

    def conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation, groups=1):
        if not self._fast_path(g, kernel, groups):
            return super().conv_grad_input(g, kernel, input_shape, strides, padding, dilation, groups)
        xp = self.xp
        input_shape = tuple(input_shape)
        ksize, f = kernel.shape[:-2], kernel.shape[-1]
        cols = xp.matmul(g.reshape(-1, f), kernel.reshape(-1, f).T)  # (rows, prod(k) * C), C-contiguous
        dx = xp.empty(input_shape, dtype=cols.dtype)
        self._launch("col2im", cols, dx, dx.size,
                     self._geometry(input_shape, g.shape[1:-1], ksize, strides, padding, dilation))
        return dx
