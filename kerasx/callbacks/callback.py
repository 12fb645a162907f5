"""`Callback`: the hooks `fit`/`evaluate`/`predict` call (`CallbackList`, in callback_list.py, calls a
list of them).

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

    def _check_before_training(self):
        """Raises if this callback cannot work with `self.model`. `CallbackList.on_train_begin` calls it
        on every callback before any `on_train_begin`, so nothing has started (no file is opened, no
        step taken) when a callback refuses the model."""

    def _implements_train_batch_hooks(self):
        return not (is_default(self.on_batch_begin) and is_default(self.on_batch_end)
                    and is_default(self.on_train_batch_begin) and is_default(self.on_train_batch_end))

    def _implements_test_batch_hooks(self):
        return not (is_default(self.on_test_batch_begin) and is_default(self.on_test_batch_end))

    def _implements_predict_batch_hooks(self):
        return not (is_default(self.on_predict_batch_begin) and is_default(self.on_predict_batch_end))
