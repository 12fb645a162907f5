"""The NumPy backend with oneDNN as its kernel provider: convolutions, pooling, batch and layer
normalization, the LSTM and GRU, matmul and dense, the ReLU gradient through oneDNN (`onednn_conv`,
`onednn_pool`, `onednn_norm`, `onednn_rnn`, `onednn_matmul`, `onednn_eltwise`), everything else, and every case oneDNN does not serve, through the generic
NumPy kernels it inherits. Its name stays ``'numpy'`` (as tf.keras's ``K.backend()`` names the framework,
not the kernel library); `kernel_info()` tells which provider runs.

The library loads on the first kernel call that needs it, not when the backend is made (importing kerasx
stays cheap); if it cannot be used, one warning is given (`onednn_library.library`) and the backend runs
the NumPy kernels from then on.
"""
from backends import onednn_library
from backends.numpy_backend import NumpyBackend
from backends.onednn_cache import PlanCache
from backends.onednn_conv import OneDNNConvolutionKernels
from backends.onednn_eltwise import OneDNNEltwiseKernels
from backends.onednn_matmul import OneDNNMatmulKernels
from backends.onednn_norm import OneDNNNormalizationKernels
from backends.onednn_pool import OneDNNPoolingKernels
from backends.onednn_rnn import OneDNNRecurrentKernels
from backends.onednn_runtime import Runtime


class OneDNNNumpyBackend(OneDNNConvolutionKernels, OneDNNPoolingKernels, OneDNNNormalizationKernels,
                         OneDNNRecurrentKernels, OneDNNMatmulKernels, OneDNNEltwiseKernels, NumpyBackend):
    kernel_provider = "onednn"
    # Families bound and parity-tested but left to the NumPy kernels by default, as measured on the 2-core
    # VMs (benchmarks/bench_onednn.py, benchmarks/README.md), because no one OpenMP wait policy makes both
    # win: batch norm forward took 0.63 ms with OMP_WAIT_POLICY=passive but 21 ms with the default
    # (spinning) policy, against NumPy's 3.4 ms; the f32 LSTM (`ref`) 13.1 ms with the default policy
    # but 31.3 ms with passive, against NumPy's 21.7 ms. The f32 GRU (`ref` too) lost with both policies
    # on a quiet machine: 17.2 ms (default) and 18.9 ms (passive) against NumPy's 15.9 ms. An instance (or subclass) may set this to the
    # empty set.
    onednn_off = frozenset({"batch_norm", "lstm", "gru"})

    def __init__(self):
        super().__init__()
        self._plans = None
        self._loaded = False

    def _onednn_plans(self):
        """The plan cache over the loaded library, or None when the library cannot be used."""
        if not self._loaded:
            self._loaded = True
            library = onednn_library.library()
            if library is not None:
                self._plans = PlanCache(Runtime(library))
        return self._plans

    def _onednn_on(self, family):
        return family not in self.onednn_off

    def _onednn_plan(self, key, build):
        """The cached plan for `key` (built by `build` on first use), or None: run the NumPy kernel."""
        plans = self._onednn_plans()
        return None if plans is None else plans.get(key, build)

    def onednn_implementations(self):
        """{plan key: (implementation names, reorder names)} of the plans built so far."""
        plans = self._onednn_plans()
        return plans.implementations() if plans is not None else {}

    def kernel_info(self):
        plans = self._onednn_plans()
        if plans is None:
            return (f"{self.name} backend: the generic kernels over numpy (oneDNN unusable: "
                    f"{onednn_library.load_error()})")
        lib = plans.runtime.library
        threads = lib.threads()
        where = lib.path if threads is None else f"{lib.path}, {threads} OpenMP thread{'s' * (threads != 1)}"
        return f"{self.name} backend: oneDNN {lib.version_string()} kernels ({where}), generic numpy otherwise"
