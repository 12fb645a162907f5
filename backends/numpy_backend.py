"""The CPU backend: the generic kernels over NumPy."""
import numpy

from backends.generic import XPBackend


class NumpyBackend(XPBackend):
    name = "numpy"
    xp = numpy

    def to_numpy(self, x):
        return numpy.asarray(x)

    def synchronize(self):
        # NumPy kernels finish before they return.
        return None

    def relu_grad(self, g, y):
        # One pass with `where=` instead of building a boolean mask and multiplying by it.
        out = numpy.zeros_like(g)
        numpy.copyto(out, g, where=y > 0)
        return out
