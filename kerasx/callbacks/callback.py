"""`Callback` (the hooks `fit`/`evaluate`/`predict` call) and `CallbackList` (calls a list of them).

Batch-level logs hold device scalars; they are read back (a device sync) only for callbacks that
need plain numbers: callbacks that override a batch hook and do not declare `_supports_tf_logs`.
A callback that overrides no batch hook is not called per batch at all, as in tf.keras.
"""
from kerasx.autodiff.tensor import Tensor


def default(method):
    """Marks a base-class hook as a no-op default, so `CallbackList` can skip callbacks that do not
    override it."""
    method._is_default = True
    return method


def is_default(method):
    return getattr(method, "_is_default", False)


def sync_logs(logs):
    """`logs` with Tensors read back: 0-d values as Python floats (ints for integer dtypes), others as
    NumPy arrays, as tf.keras's `sync_to_numpy_or_python_type`."""
    if logs is None:
        return {}
    out = {}
    for k, v in logs.items():
        if isinstance(v, Tensor):
            v = v.numpy()
            if v.ndim == 0:
                v = v.item()
        out[k] = v
    return out


class Callback:
    """Base class for callbacks: subclasses override the hooks they need.

    Attributes:
        params: dict of training parameters (`verbose`, `epochs`, `steps`).
        model: the model being trained, evaluated or used for prediction.
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}
        self._chief_worker_only = None
        self._supports_tf_logs = False

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    @default
    def on_batch_begin(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_begin`."""

    @default
    def on_batch_end(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metrics (`val_` ones included)."""

    @default
    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    @default
    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    @default
    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` (and of validation inside `fit`)."""

    @default
    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate` with the running metrics."""

    @default
    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    @default
    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict`; `logs["outputs"]` holds the batch's predictions."""

    def on_train_begin(self, logs=None):
        """Called at the beginning of training."""

    def on_train_end(self, logs=None):
        """Called at the end of training with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the beginning of evaluation or validation."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluation or validation with the metrics."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of prediction."""

    def on_predict_end(self, logs=None):
        """Called at the end of prediction."""

    def _implements_train_batch_hooks(self):
        return not (is_default(self.on_batch_begin) and is_default(self.on_batch_end)
                    and is_default(self.on_train_batch_begin) and is_default(self.on_train_batch_end))

    def _implements_test_batch_hooks(self):
        return not (is_default(self.on_test_batch_begin) and is_default(self.on_test_batch_end))

    def _implements_predict_batch_hooks(self):
        return not (is_default(self.on_predict_batch_begin) and is_default(self.on_predict_batch_end))


class CallbackList:
    """A list of callbacks called together; adds `History` and `ProgbarLogger` when asked."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        from kerasx.autodiff.nest import flatten
        self.callbacks = flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        self.model = None
        self.params = {}
        if model:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh()

    def _add_default_callbacks(self, add_history, add_progbar):
        from kerasx.callbacks.loggers import History, ProgbarLogger
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)

    def _refresh(self):
        """Works out which hooks need calling per batch (after the callbacks or params change)."""
        cbs = self.callbacks
        self._train_batch = [c for c in cbs if c._implements_train_batch_hooks()]
        self._test_batch = [c for c in cbs if c._implements_test_batch_hooks()]
        self._predict_batch = [c for c in cbs if c._implements_predict_batch_hooks()]

    def append(self, callback):
        self.callbacks.append(callback)
        self._refresh()

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)
        self._refresh()

    def set_model(self, model):
        self.model = model
        if self._history:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    # ------------------------------------------------------------ batch hooks
    @staticmethod
    def _call_batch(callbacks, hook, batch, logs):
        synced = None
        for callback in callbacks:
            if getattr(callback, "_supports_tf_logs", False):
                getattr(callback, hook)(batch, logs if logs is not None else {})
            else:
                if synced is None:
                    synced = sync_logs(logs)
                getattr(callback, hook)(batch, synced)

    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        if self._train_batch:
            self._call_batch(self._train_batch, "on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self._train_batch:
            self._call_batch(self._train_batch, "on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        if self._test_batch:
            self._call_batch(self._test_batch, "on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if self._test_batch:
            self._call_batch(self._test_batch, "on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        if self._predict_batch:
            self._call_batch(self._predict_batch, "on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        if self._predict_batch:
            self._call_batch(self._predict_batch, "on_predict_batch_end", batch, logs)

    # ------------------------------------------------------------ epoch and run hooks
    def _call(self, hook, *args, logs=None):
        # One dict for every callback, so one callback's additions (e.g. `lr`) reach the next ones.
        logs = sync_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)
