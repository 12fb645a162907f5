"""Each replica's slice of a global batch.

Every rank draws the same global batches (the same arrays, the same shuffled order: `fit_hooks.py`
gives every rank rank 0's host random state), and rank r keeps rows [lo, hi) of each: the batch split
as evenly as possible, the first `n % size` ranks one row more. `batch_size` is therefore the global
batch, and every rank runs the same number of steps.
"""
from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.autodiff.tensor import Tensor
from kerasx.losses.utils import carry_host_range


def shard_bounds(n, rank, size):
    """Rows ``[lo, hi)`` of an `n`-row global batch that rank `rank` of `size` takes."""
    base, extra = divmod(int(n), int(size))
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


def global_batch_size(data):
    """The number of rows of a batch: the first dimension of its first array."""
    for leaf in flatten(data):
        if isinstance(leaf, Tensor) and leaf.ndim:
            return int(leaf.shape[0])
    raise ValueError("A distributed step needs batches of arrays with a batch dimension; received "
                     f"{type(data).__name__} without one.")


def shard_batch(data, rank, size):
    """`(local batch, local rows, global rows)`: rank `rank`'s rows of every array of `data`."""
    n = global_batch_size(data)
    lo, hi = shard_bounds(n, rank, size)

    def take(leaf):
        if not isinstance(leaf, Tensor) or not leaf.ndim:
            return leaf
        if int(leaf.shape[0]) != n:
            raise ValueError(f"The arrays of a batch disagree on the number of rows: {n} and {leaf.shape[0]}.")
        return carry_host_range(leaf, ops.getitem(leaf, slice(lo, hi)))
    return map_structure(take, data), hi - lo, n
