"""The one cross-replica primitive: `cross_replica_sum(x)`, the sum of `x` over the replicas of the
distributed step in progress (kerasx/distribute sets the step's communicator with
`replica_communicator`), and `x` itself outside one. Its VJP is the same sum of the upstream gradient:
every replica's loss depends on every replica's `x` through the sum. BatchNormalization(synchronized=True)
builds its global batch statistics on it.

The communicator is duck-typed (`size`, `allreduce_sum_(host_array)`): the sum travels through a host
copy, as the gradients do (kerasx/distribute/reduction.py), counted by the backend.
"""
import contextlib

import backends
from kerasx.autodiff.primitive import primitive
from kerasx.autodiff.tensor import Tensor

_current = {"communicator": None}


@contextlib.contextmanager
def replica_communicator(communicator):
    """Within the block, `cross_replica_sum` sums over `communicator`'s ranks."""
    previous = _current["communicator"]
    _current["communicator"] = communicator
    try:
        yield
    finally:
        _current["communicator"] = previous


def _summed(b, x):
    communicator = _current["communicator"]
    if communicator is None or communicator.size == 1:
        return x
    host = b.to_numpy(x).copy()  # a host buffer of its own for MPI to write into
    return b.asarray(communicator.allreduce_sum_(host))


def _cross_replica_sum_fwd(b, x):
    return _summed(b, x), ()


def _cross_replica_sum_vjp(b, g, res, needs):
    return (_summed(b, g),)


def _samples(rng):
    return [((rng.standard_normal((3, 4)),), {}), ((rng.standard_normal((5,)),), {})]


def _cross_replica_sum_diff_vjp(g, xs, out, needs):
    return (cross_replica_sum(g),)  # the sum is linear: its VJP is itself, differentiable again


cross_replica_sum = primitive("cross_replica_sum", _cross_replica_sum_fwd, _cross_replica_sum_vjp, _samples,
                              diff_vjp=_cross_replica_sum_diff_vjp)


# ---------------------------------------------------------------- device-buffer reduction (NCCL)
def _nccl_backend(what):
    b = backends.get()
    if b.name != "cupy":
        raise ValueError(f"{what}: NCCL reduces GPU buffers and needs the 'cupy' backend; the active backend "
                         f"is {b.name!r}.")
    return b


def use_device(local_rank):
    """Makes the GPU of this local rank the process's device (the 'cupy' backend); returns its id."""
    return _nccl_backend("use_device").use_device(local_rank)


def nccl_unique_id():
    return _nccl_backend("nccl_unique_id").nccl_unique_id()


def nccl_reducer(size, rank, unique_id):
    """The backend's NCCL reducer for this rank (`allreduce_sum_(device arrays)`, in place)."""
    return _nccl_backend("nccl_reducer").nccl_reducer(size, rank, unique_id)


def device_allreduce_(tensors, reducer):
    """Sums each Tensor's device buffer over the ranks with `reducer` (NCCL), in place, in one group;
    returns the Tensors. Not differentiable: the gradients' reduction, after the tape has run."""
    reducer.allreduce_sum_([t.data for t in tensors])
    return tensors


def device_copy(tensor):
    """A Tensor with a buffer of its own (a reduction in place must not reach a shared buffer)."""
    return Tensor(backends.get().copy(tensor.data))
