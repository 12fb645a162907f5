"""Summing Tensors over the replicas: the fused, fixed-order packs that carry a step's gradients (and
its metric updates) through the communicator.

The tensors are taken in the order given (every rank gives the same list: the model's variables in
order, then the metric states), grouped by dtype, and cut into packs of at most `bytes_per_pack` bytes.
Each pack is concatenated on the device (one kernel), copied to the host once (`.numpy()`), summed by
one `MPI_Allreduce` in place, moved back once (`as_tensor`) and split into views of the result. So a
step costs one device-to-host and one host-to-device copy per pack, which the backends count; on the
NumPy backend both are free (host memory is the device), on CuPy they are the PCIe copies a
non-CUDA-aware MPI needs. float16/bfloat16 travel as float32 (MPI has no half-precision sum). With
NCCL (`communication='nccl'`, CuPy) the packs never leave the device: one NCCL group per step.
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


def allreduce_tensors(communicator, tensors, bytes_per_pack, timer=None, device_reducer=None):
    """Each Tensor of `tensors` summed over the ranks (same shapes and dtypes on every rank), in order.

    With a `device_reducer` (NCCL, `communication='nccl'`), the packs stay on the device and are summed
    in one NCCL group (`ops.device_allreduce_`); otherwise each goes through a host buffer and MPI."""
    start = time.perf_counter()
    out = [None] * len(tensors)
    packs = plan_packs(tensors, bytes_per_pack)
    wires, packed = [], []
    for dtype, indices in packs:
        wire = _WIDER.get(dtype, dtype) if device_reducer is None or dtype == "bool" else dtype
        flat = [ops.reshape(tensors[i], (-1,)) for i in indices]
        if wire != dtype:
            flat = [ops.cast(f, wire) for f in flat]
        wires.append(wire)
        packed.append(flat[0] if len(flat) == 1 else ops.concatenate(flat, axis=0))
    if device_reducer is not None:
        # A pack of one tensor is a view of it: reduced in a copy, never in a buffer another tensor shares.
        summed_packs = ops.device_allreduce_([ops.device_copy(p) if len(ix) == 1 else p
                                              for p, (_, ix) in zip(packed, packs)], device_reducer)
    else:
        summed_packs = []
        for p, (_, indices) in zip(packed, packs):
            # Alone, the tensor is not copied on the device, and its host view may be the tensor's own
            # memory (NumPy backend): MPI must not write into a gradient another tensor may share.
            host = p.numpy().copy() if len(indices) == 1 else writeable(p.numpy())
            summed_packs.append(as_tensor(communicator.allreduce_sum_(host)))
    for summed, wire, (dtype, indices) in zip(summed_packs, wires, packs):
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


