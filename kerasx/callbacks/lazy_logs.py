"""`LazyLogs`: a step's logs whose values are computed when first read.

The default `train_step` and `test_step` end with every metric's `result()`: a few device kernels per
metric (AUC's is about twenty over its 200 thresholds) that `fit` ran at every step even when nothing
read them (verbose=0 and no batch callback, or a progress bar that draws every 50 ms). Inside `fit` and
`evaluate` those steps return a `LazyLogs` instead, which calls `model.get_metrics_result()` on its first
read and keeps what it got. Whoever reads the logs (a callback, the progress bar when it draws, the end
of the epoch) gets the numbers the eager call would have given, as long as the metrics have not changed
in between; what keeps that true:

- `CallbackList` resolves the logs before calling batch hooks of any callback but the progress bar (a
  user callback may read them, keep them, or change the metrics, e.g. with an `evaluate`), and passes
  such callbacks the plain dict, as before;
- `fit` and `evaluate` resolve the previous execution's logs before an execution of several steps
  (`steps_per_execution`), whose steps could run out of data after updating the metrics;
- only the default steps are lazy, so a `train_step` override that calls `super().train_step()`,
  updates more metrics and then reads its logs sees the values of that moment, as in tf.keras.

Reading (or writing) a key resolves every value at once: device scalars, read back to the host only
by whoever converts them (`callback.sync_logs`).
"""
from collections.abc import MutableMapping


class LazyLogs(MutableMapping):
    """`{name: value}` computed by ``compute()`` (a dict of device scalars) on first access.

    `nonempty` answers `bool(logs)` before they are resolved (True when the model has metrics), so that
    ``logs or {}`` does not compute them."""

    __slots__ = ("_compute", "_values", "_nonempty")

    def __init__(self, compute, nonempty=True):
        self._compute = compute
        self._values = None
        self._nonempty = bool(nonempty)

    @property
    def resolved(self):
        """Whether the values have been computed."""
        return self._values is not None

    def resolve(self):
        """Computes the values now (device kernels; nothing is read back to the host)."""
        if self._values is None:
            self._values = dict(self._compute())
            self._compute = None
        return self._values

    def __getitem__(self, key):
        return self.resolve()[key]

    def __setitem__(self, key, value):
        self.resolve()[key] = value

    def __delitem__(self, key):
        del self.resolve()[key]

    def __iter__(self):
        return iter(self.resolve())

    def __len__(self):
        return len(self.resolve())

    def __bool__(self):
        return bool(self._values) if self._values is not None else self._nonempty

    def copy(self):
        """A plain dict of the values (as `dict.copy`)."""
        return dict(self.resolve())

    def __repr__(self):
        if self._values is None:
            return "LazyLogs(<not computed yet>)"
        return f"LazyLogs({self._values!r})"


def resolve_logs(logs):
    """`logs` computed now, for whoever may keep them or change the metrics: the plain dict behind
    `LazyLogs` (the same object, so that what a callback adds to it stays in the logs), other logs as
    they are."""
    if isinstance(logs, LazyLogs):
        return logs.resolve()
    return logs
