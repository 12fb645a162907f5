"""Each replica's rows of a global batch (kerasx/distribute/sharding.py)."""
import numpy as np
import pytest

from kerasx.autodiff.tensor import as_tensor
from kerasx.distribute.sharding import global_batch_size, shard_batch, shard_bounds


@pytest.mark.parametrize("n,size", [(32, 2), (6, 4), (1, 4), (0, 2), (7, 3), (100, 8)])
def test_shards_cover_the_batch_in_order_as_evenly_as_possible(n, size):
    bounds = [shard_bounds(n, r, size) for r in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    lengths = [hi - lo for lo, hi in bounds]
    assert max(lengths) - min(lengths) <= 1 and lengths == sorted(lengths, reverse=True)


def test_shard_batch_slices_every_array_and_keeps_the_structure(backend):
    x = np.arange(14, dtype="float32").reshape(7, 2)
    y = np.arange(7)
    data = ({"a": as_tensor(x)}, as_tensor(y), None)
    data[1]._keras_host_range = (0, 6)
    local, rows, total = shard_batch(data, 1, 3)
    assert (rows, total) == (2, 7)  # 7 rows on 3 ranks: 3, 2, 2
    np.testing.assert_array_equal(local[0]["a"].numpy(), x[3:5])
    np.testing.assert_array_equal(local[1].numpy(), y[3:5])
    assert local[2] is None
    assert local[1]._keras_host_range == (0, 6)  # the sparse losses' host-side label check still works


def test_arrays_of_different_lengths_in_one_batch_are_refused(backend):
    with pytest.raises(ValueError, match="disagree on the number of rows: 4 and 3"):
        shard_batch((as_tensor(np.zeros((4, 2), "float32")), as_tensor(np.zeros(3, "float32"))), 0, 2)
    with pytest.raises(ValueError, match="batch dimension"):
        global_batch_size((None, 3.0))
