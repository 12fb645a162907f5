"""`CallbackList`: calls a list of callbacks together, as tf.keras's, adding the `History` and
`ProgbarLogger` that `fit` wants (hence its own module: those loggers are callbacks themselves).

Batch hooks go only to the callbacks that override them; batch logs are read back from the device once
per hook, and only when a callback needs plain numbers (see `callback.py`). Lazy batch logs
(`lazy_logs.py`) stay uncomputed only when every callback called is the progress bar, which reads them
when it draws; for any other callback they are computed before its hook runs.
"""
from kerasx.autodiff.nest import flatten
from kerasx.callbacks.callback import sync_logs
from kerasx.callbacks.lazy_logs import resolve_logs
from kerasx.callbacks.loggers import History, ProgbarLogger


class CallbackList:
    """A list of callbacks called together; adds `History` and `ProgbarLogger` when asked."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
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
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        # tf.keras (since 2.7) appends History, then ProgbarLogger, after the user's callbacks: the bar's
        # final line of an epoch comes after their messages and shows what they added to the logs
        # (`lr`), the same values History records.
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)

    def _refresh(self):
        """Works out which hooks need calling per batch (after the callbacks or params change)."""
        cbs = self.callbacks
        self._train_batch = [c for c in cbs if c._implements_train_batch_hooks()]
        self._test_batch = [c for c in cbs if c._implements_test_batch_hooks()]
        self._predict_batch = [c for c in cbs if c._implements_predict_batch_hooks()]
        # Whether lazy logs may reach the train/test batch hooks uncomputed: only kerasx's own progress
        # bar (not a subclass, which may keep them) reads them within the hook and leaves the metrics be.
        self._lazy_train = all(type(c) is ProgbarLogger for c in self._train_batch)
        self._lazy_test = all(type(c) is ProgbarLogger for c in self._test_batch)

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
    def _call_batch(callbacks, hook, batch, logs, lazy=True):
        if not lazy:
            logs = resolve_logs(logs)
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
            self._call_batch(self._train_batch, "on_train_batch_begin", batch, logs, self._lazy_train)

    def on_train_batch_end(self, batch, logs=None):
        if self._train_batch:
            self._call_batch(self._train_batch, "on_train_batch_end", batch, logs, self._lazy_train)

    def on_test_batch_begin(self, batch, logs=None):
        if self._test_batch:
            self._call_batch(self._test_batch, "on_test_batch_begin", batch, logs, self._lazy_test)

    def on_test_batch_end(self, batch, logs=None):
        if self._test_batch:
            self._call_batch(self._test_batch, "on_test_batch_end", batch, logs, self._lazy_test)

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
        for callback in self.callbacks:
            callback._check_before_training()
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
