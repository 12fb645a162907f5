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
