"""`Callback` hooks and `CallbackList`: order, logs, and which callbacks are called per batch."""
import numpy as np
import pytest

import kerasx as keras
from kerasx.autodiff.tensor import Tensor
from kerasx.callbacks import Callback, CallbackList, History, ProgbarLogger
from tests.callbacks.callback_test_utils import Recorder, regression_data, regression_model


def test_fit_calls_hooks_in_order_with_validation(backend):
    model = regression_model()
    x, y = regression_data(16)
    rec = Recorder()
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x[:8], y[:8]), callbacks=[rec], verbose=0)
    hooks = [c[0] for c in rec.calls]
    epoch = ["epoch_begin", "train_batch_begin", "train_batch_end", "train_batch_begin", "train_batch_end",
             "test_begin", "test_batch_end", "test_end", "epoch_end"]
    assert hooks == ["train_begin"] + epoch * 2 + ["train_end"]
    assert rec.calls[-2] == ("epoch_end", 1, ("loss", "val_loss"))
    assert rec.calls[3] == ("train_batch_end", 0, ("loss",))
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_evaluate_and_predict_hooks(backend):
    model = regression_model()
    x, y = regression_data(16)
    rec = Recorder()
    model.evaluate(x, y, batch_size=8, callbacks=[rec], verbose=0)
    assert [c[0] for c in rec.calls] == ["test_begin", "test_batch_end", "test_batch_end", "test_end"]
    rec.calls.clear()
    model.predict(x, batch_size=8, callbacks=[rec])
    assert [c[0] for c in rec.calls] == ["predict_begin", "predict_batch_end", "predict_batch_end",
                                         "predict_end"]
    assert rec.calls[1] == ("predict_batch_end", 0, ("outputs",))


def test_user_callbacks_get_plain_numbers(backend):
    seen = []

    class Spy(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs["loss"])

    model = regression_model()
    x, y = regression_data(16)
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[Spy()], verbose=0)
    assert len(seen) == 3 and all(isinstance(v, float) for v in seen)
    # The epoch's loss is the running mean the last batch reported.
    assert seen[2] == seen[1]


def test_callbacks_without_batch_hooks_are_not_called_per_batch(backend, monkeypatch):
    reads = []
    original = Tensor.numpy
    monkeypatch.setattr(Tensor, "numpy", lambda self: reads.append(1) or original(self))

    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    cb_list = CallbackList([EpochOnly(), History()])
    assert cb_list._train_batch == [] and cb_list._test_batch == []
    model = regression_model()
    x, y = regression_data(64)
    reads.clear()
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[EpochOnly()], verbose=0)
    # Eight steps, but the loss is read back once, at the end of the epoch.
    assert len(reads) == 1


def test_callback_list_adds_history_and_progbar_once():
    history = History()
    cbs = CallbackList([history], add_history=True, add_progbar=True)
    assert [type(c) for c in cbs] == [History, ProgbarLogger]
    assert cbs._history is history


def test_callback_list_puts_history_then_progbar_after_the_users_callbacks():
    # As tf.keras 2.7+: the bar's epoch line comes last, after what the user's callbacks print and log.
    user = Recorder()
    cbs = CallbackList([user], add_history=True, add_progbar=True)
    assert [type(c) for c in cbs] == [Recorder, History, ProgbarLogger]


def test_default_hooks_and_aliases():
    calls = []

    class Legacy(Callback):
        def on_batch_end(self, batch, logs=None):
            calls.append(batch)

    cb = Legacy()
    assert cb._implements_train_batch_hooks() and not cb._implements_test_batch_hooks()
    assert not Callback()._implements_train_batch_hooks()
    cb.on_train_batch_end(3, {})
    assert calls == [3]


def test_set_model_and_params():
    model = regression_model()
    cbs = CallbackList([Recorder()], add_history=True, model=model, verbose=1, epochs=3, steps=4)
    assert all(c.model is model for c in cbs)
    assert cbs.callbacks[0].params == {"verbose": 1, "epochs": 3, "steps": 4}
    assert model.history is cbs._history


def test_lambda_callback(backend):
    events = []
    cb = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, round(logs["loss"], 6) >= 0)),
        on_train_end=lambda logs: events.append(("end",)),
        on_train_batch_begin=lambda batch, logs: events.append(("batch", batch)))
    assert cb._implements_train_batch_hooks() and not cb._implements_test_batch_hooks()
    model = regression_model()
    x, y = regression_data(8)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[cb], verbose=0)
    assert events == [("batch", 0), ("epoch", 0, True), ("batch", 0), ("epoch", 1, True), ("end",)]


def test_stop_training_from_epoch_end(backend):
    class StopNow(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    model = regression_model()
    x, y = regression_data(8)
    history = model.fit(x, y, epochs=10, callbacks=[StopNow()], verbose=0)
    assert history.epoch == [0]
    # A new fit starts again.
    assert model.fit(x, y, epochs=2, verbose=0).epoch == [0, 1]


def test_sync_logs_converts_tensors(backend):
    from kerasx.autodiff.tensor import as_tensor
    from kerasx.callbacks.callback import sync_logs
    out = sync_logs({"a": as_tensor(np.float32(1.5)), "b": as_tensor(np.arange(3)), "c": 2})
    assert out["a"] == 1.5 and isinstance(out["a"], float)
    assert isinstance(out["b"], np.ndarray) and out["c"] == 2
    assert sync_logs(None) == {}


def test_progbar_logger_count_mode_error():
    with pytest.raises(ValueError, match=r'Unknown `count_mode`: epochs. Expected values are \["samples", '
                                         r'"steps"\]'):
        ProgbarLogger(count_mode="epochs")
