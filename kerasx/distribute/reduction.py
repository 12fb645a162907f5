"""Summing Tensors over the replicas: the fused, fixed-order packs that carry a step's gradients (and
its metric updates) through the communicator.

The tensors are taken in the order given (every rank gives the same list: the model's variables in
order, then the metric states), grouped by dtype, and cut into packs of at most `bytes_per_pack` bytes.
Each pack is concatenated on the device (one kernel), copied to the host once (`.numpy()`), summed by
one `MPI_Allreduce` in place, moved back once (`as_tensor`) and split into views of the result. So a
step costs one device-to-host and one host-to-device copy per pack, which the backends count; on the
NumPy backend both are free (host memory is the device), on CuPy they are the PCIe copies a
non-CUDA-aware MPI needs. float16/bfloat16 travel as float32 (MPI has no half-precision sum).
"""
import time

from kerasx import ops
from kerasx.autodiff.tensor import as_tensor

_WIDER = {"float16": "float32", "bfloat16": "float32", "bool": "int32"}


def _itemsize(dtype):
    return {"float64": 8, "int64": 8, "uint64": 8, "float16": 4, "bfloat16": 4, "int8": 1, "uint8": 1,
            "bool": 4, "int16": 2, "uint16": 2}.get(dtype, 4)


def plan_packs(tensors, bytes_per_pack):
    """`[(dtype, [indices])]`: the tensors' positions grouped by dtype (first-seen order), each group cut
    so that a pack holds at most `bytes_per_pack` bytes (a larger tensor travels alone)."""
    by_dtype = {}
    for i, t in enumerate(tensors):
        by_dtype.setdefault(str(t.dtype), []).append(i)
    packs = []
    for dtype, indices in by_dtype.items():
        current, size = [], 0
        for i in indices:
            nbytes = int(tensors[i].size) * _itemsize(dtype)
            if current and size + nbytes > bytes_per_pack:
                packs.append((dtype, current))
                current, size = [], 0
            current.append(i)
            size += nbytes
        if current:
            packs.append((dtype, current))
    return packs


class ReductionTimer:
    """Seconds spent in `allreduce_tensors` (device packing, copies, MPI, unpacking), per call and in
    all, for the benchmark's 'allreduce ms per step'."""

    def __init__(self):
        self.seconds = 0.0
        self.calls = 0

    def reset(self):
        self.seconds = 0.0
        self.calls = 0


def allreduce_tensors(communicator, tensors, bytes_per_pack, timer=None):
    """Each Tensor of `tensors` summed over the ranks (same shapes and dtypes on every rank), in order."""
    start = time.perf_counter()
    out = [None] * len(tensors)
    for dtype, indices in plan_packs(tensors, bytes_per_pack):
        wire = _WIDER.get(dtype, dtype)
        flat = [ops.reshape(tensors[i], (-1,)) for i in indices]
        if wire != dtype:
            flat = [ops.cast(f, wire) for f in flat]
        if len(flat) == 1:
            # Alone, the tensor is not copied on the device, and its host view may be the tensor's own
            # memory (NumPy backend): MPI must not write into a gradient another tensor may share.
            host = flat[0].numpy().copy()
        else:
            host = writeable(ops.concatenate(flat, axis=0).numpy())  # a fresh array of its own
        summed = as_tensor(communicator.allreduce_sum_(host))
        offset = 0
        for i in indices:
            size = int(tensors[i].size)
            part = ops.reshape(ops.getitem(summed, slice(offset, offset + size)), tensors[i].shape)
            out[i] = ops.cast(part, dtype) if wire != dtype else part
            offset += size
    if timer is not None:
        timer.seconds += time.perf_counter() - start
        timer.calls += 1
    return out


def writeable(host):
    """A host array MPI may write into: `host` itself when it is writeable and contiguous."""
    if host.flags.writeable and host.flags.c_contiguous:
        return host
    return host.copy(order="C")


