"""The normalization kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job."""
import abc


class NormalizationInterface(abc.ABC):
    """Abstract normalization kernels; `generic_norm.NormalizationKernels` implements them over `xp`."""
