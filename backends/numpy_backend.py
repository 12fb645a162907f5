"""The CPU backend: the generic kernels over NumPy."""
import numpy

from backends.generic import XPBackend
from backends.host_memory import tune_malloc


class NumpyBackend(XPBackend):
    name = "numpy"
    xp = numpy

    def __init__(self):
        super().__init__()
        # Freed temporaries stay in the process for the next step instead of page-faulting back in.
        tune_malloc()

    def to_numpy(self, x):
        self.transfers.to_host += 1
        return numpy.asarray(x)

    def synchronize(self):
        # NumPy kernels finish before they return.
        return None
