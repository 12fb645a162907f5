"""The pooling kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job."""
import abc


class PoolingInterface(abc.ABC):
    """Abstract pooling kernels; `generic_pool.PoolingKernels` implements them over `xp`."""
