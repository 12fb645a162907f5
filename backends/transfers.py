"""Counting the explicit copies between host and device that a backend makes.

Every backend counts: `to_numpy` is a device-to-host copy (on the GPU it synchronises the device, so
the count is the number of host syncs the frontend asked for), `asarray` of host data a host-to-device
copy. Tests read the counts to hold training to its budget of syncs per step; on the NumPy backend the
"copies" are views, but the frontend's calls, and so the counts, are the same on every backend.
"""
import contextlib


class TransferCounts:
    """Running totals of explicit transfers, `to_host` and `to_device`."""

    __slots__ = ("to_host", "to_device")

    def __init__(self):
        self.to_host = 0
        self.to_device = 0

    def snapshot(self):
        return {"to_host": self.to_host, "to_device": self.to_device}

    @contextlib.contextmanager
    def counting(self):
        """Yields a dict that holds, once the block ends, the transfers made inside it."""
        before = self.snapshot()
        delta = {}
        try:
            yield delta
        finally:
            delta.update({k: v - before[k] for k, v in self.snapshot().items()})

    def __repr__(self):
        return f"TransferCounts(to_host={self.to_host}, to_device={self.to_device})"
