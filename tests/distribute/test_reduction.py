"""The fused packs of `allreduce_tensors` (kerasx/distribute/reduction.py), here through the one-process
communicator: packing, the host round trip and unpacking must give back every tensor exactly, in its
shape and dtype, with one device-to-host copy per pack."""
import numpy as np
import pytest

import backends
from kerasx.autodiff.tensor import as_tensor
from kerasx.distribute.communicator import LocalCommunicator
from kerasx.distribute.reduction import ReductionTimer, allreduce_tensors, plan_packs


class Doubling(LocalCommunicator):
    """Two identical ranks: the sum is twice the value (shows the reduced buffer is what comes back)."""

    def allreduce_sum_(self, buffer):
        buffer *= 2
        self.stats.record("allreduce", buffer.nbytes, 0.0)
        return buffer


def _tensors():
    rng = np.random.default_rng(0)
    return [as_tensor(rng.normal(size=s).astype(d)) for s, d in
            [((3, 4), "float32"), ((5,), "float32"), ((), "float32"), ((2, 2), "float64"), ((7,), "float16"),
             ((4,), "int64")]]


def test_packs_group_by_dtype_in_order_and_respect_the_size(backend):
    t = _tensors()
    assert plan_packs(t, 1 << 20) == [("float32", [0, 1, 2]), ("float64", [3]), ("float16", [4]), ("int64", [5])]
    # 48 + 20 + 4 bytes of float32: a 60-byte limit closes the first pack after the (3, 4) tensor.
    assert plan_packs(t, 60)[:2] == [("float32", [0]), ("float32", [1, 2])]
    assert plan_packs(t, 1)[0] == ("float32", [0])  # a tensor larger than the limit travels alone


@pytest.mark.parametrize("bytes_per_pack", [1, 60, 1 << 20])
def test_allreduce_gives_back_every_tensor_summed_in_shape_and_dtype(backend, bytes_per_pack):
    t = _tensors()
    comm = Doubling()
    timer = ReductionTimer()
    out = allreduce_tensors(comm, t, bytes_per_pack, timer)
    for a, b in zip(t, out):
        assert b.shape == a.shape and b.dtype == a.dtype
        np.testing.assert_array_equal(b.numpy(), a.numpy() * 2)
    assert comm.stats.calls["allreduce"] == len(plan_packs(t, bytes_per_pack))
    assert timer.calls == 1 and timer.seconds > 0


def test_one_copy_each_way_per_pack(backend):
    t = _tensors()[:3]  # one float32 pack
    with backends.get().transfers.counting() as moved:
        allreduce_tensors(Doubling(), t, 1 << 20)
    # NumPy's host memory is its device memory: the way back is no copy there.
    assert moved == {"to_host": 1, "to_device": 0 if backend.name == "numpy" else 1}


class DoublingDevice:
    """A device reducer (NCCL's place) for two identical ranks: doubles the device buffers in place, in
    one call per step."""

    def __init__(self):
        self.calls = []

    def allreduce_sum_(self, arrays):
        self.calls.append(len(arrays))
        for a in arrays:
            a *= 2
        return arrays


@pytest.mark.parametrize("bytes_per_pack", [1, 60, 1 << 20])
def test_a_device_reducer_sums_every_pack_on_the_device_in_one_group(backend, bytes_per_pack):
    t = _tensors()
    originals = [a.numpy().copy() for a in t]
    reducer = DoublingDevice()
    with backends.get().transfers.counting() as moved:
        out = allreduce_tensors(LocalCommunicator(), t, bytes_per_pack, device_reducer=reducer)
    assert moved == {"to_host": 0, "to_device": 0}  # no host buffer, no MPI
    assert reducer.calls == [len(plan_packs(t, bytes_per_pack))]
    for a, b, original in zip(t, out, originals):
        assert b.shape == a.shape and b.dtype == a.dtype
        np.testing.assert_array_equal(b.numpy(), original * 2)
        np.testing.assert_array_equal(a.numpy(), original)  # the inputs' own buffers are left alone
