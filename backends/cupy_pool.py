"""The CuPy backend's pooling overrides: max and average pooling and their gradients as one CUDA kernel
each (`backends/cuda/pool.cu`, loaded with `cupy.RawModule`).

Why override: the generic kernels loop over the window offsets, one strided array operation (and for
the max gradient four: compare, first-maximum, merge, store) per offset, each a kernel launch and a
pass over the output on a GPU. Here each is one launch, with padding skipped in the kernel instead of
materialised, and the gradients as gathers (one thread per input element, no atomics, deterministic).
Other dtypes fall back to the generic kernels. Parity with the generic kernels is tested on a device,
and the kernels' arithmetic on the host (tests/backends/test_kernels_pool.py).
"""
import numpy  # host-side: kernel arguments are passed as NumPy scalars of the C types

from backends import cuda_modules
from backends.conv_arithmetic import pool_geometry

_SOURCE = cuda_modules.source("pool.cu")


class CupyPoolingKernels:
    """Mixed into `cupy_backend.CupyBackend` ahead of `generic.XPBackend`."""

    def _pool_function(self, name, dtype):
        return cuda_modules.function(self.xp, _SOURCE, name, dtype)

    @staticmethod
    def _pool_geometry(input_shape, pool_size, strides, padding):
        """``(out_shape, int arguments)``: 1-D and 2-D padded to 3-D with size-1 axes."""
        spatial = tuple(input_shape[1:-1])
        out, pads = pool_geometry(spatial, pool_size, strides, padding)
        lead = 3 - len(spatial)
        dims = [(1,) * lead + tuple(v) for v in (spatial, out, pool_size, strides)]
        dims.append((0,) * lead + tuple(lo for lo, _ in pads))
        args = [numpy.int32(input_shape[-1])] + [numpy.int32(v) for group in dims for v in group]
        return (input_shape[0],) + tuple(out) + (input_shape[-1],), args

    def _pool_launch(self, name, arrays, total, geometry):
        if total == 0:
            return
        function = self._pool_function(name, arrays[-1].dtype)
        function((cuda_modules.blocks(total),), (cuda_modules.THREADS,),
                 tuple(arrays) + (numpy.int64(total),) + tuple(geometry))

    @staticmethod
    def _pool_fast_path(*arrays):
        dtype = arrays[0].dtype
        return dtype.name in cuda_modules.SUFFIX and all(a.dtype == dtype for a in arrays)

    # ---------------------------------------------------------------- overrides
    def _pool_forward(self, name, x, pool_size, strides, padding):
        x = self.xp.ascontiguousarray(x)
        out_shape, geometry = self._pool_geometry(x.shape, pool_size, strides, padding)
        y = self.xp.empty(out_shape, dtype=x.dtype)
        self._pool_launch(name, (x, y), y.size, geometry)
        return y

    def max_pool(self, x, pool_size, strides, padding):
        if not self._pool_fast_path(x):
            return super().max_pool(x, pool_size, strides, padding)
        return self._pool_forward("max_pool", x, pool_size, strides, padding)

    def max_pool_grad(self, g, x, y, pool_size, strides, padding):
        if not self._pool_fast_path(g, x, y):
            return super().max_pool_grad(g, x, y, pool_size, strides, padding)
        xp = self.xp
        g, x, y = xp.ascontiguousarray(g), xp.ascontiguousarray(x), xp.ascontiguousarray(y)
        _, geometry = self._pool_geometry(x.shape, pool_size, strides, padding)
        gx = xp.empty(x.shape, dtype=x.dtype)
        self._pool_launch("max_pool_grad", (g, x, y, gx), gx.size, geometry)
        return gx

    def avg_pool(self, x, pool_size, strides, padding):
        if not self._pool_fast_path(x):
            return super().avg_pool(x, pool_size, strides, padding)
        return self._pool_forward("avg_pool", x, pool_size, strides, padding)

    def avg_pool_grad(self, g, input_shape, pool_size, strides, padding):
        if not self._pool_fast_path(g):
            return super().avg_pool_grad(g, input_shape, pool_size, strides, padding)
        g = self.xp.ascontiguousarray(g)
        input_shape = tuple(input_shape)
        _, geometry = self._pool_geometry(input_shape, pool_size, strides, padding)
        gx = self.xp.empty(input_shape, dtype=g.dtype)
        self._pool_launch("avg_pool_grad", (g, gx), gx.size, geometry)
        return gx
