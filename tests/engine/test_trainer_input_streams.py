"""`fit` on inputs that stream batches: a finite generator running out, and Sequences and generators
read by workers (`workers`, `use_multiprocessing`, `max_queue_size`)."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed
from tests.callbacks.callback_test_utils import Recorder

OUT_OF_DATA = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator "
               "can generate at least `steps_per_epoch * epochs` batches (in this case, {} batches). You "
               "may need to use the repeat() function when building your dataset.")


def _regression_model(seed=0):
    set_random_seed(seed)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def _batches(n_batches, batch_size=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_batches * batch_size, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)]


def _epoch_ends(recorder):
    return [call[1] for call in recorder.calls if call[0] == "epoch_end"]


def test_generator_running_out_at_an_epoch_end_logs_no_empty_epoch(backend, caplog, capsys):
    # 4 batches: epoch 1 learns the epoch's length from the generator's end; epoch 2 would have no
    # batch, so it does not start: no row in History, no stale logs for callbacks, no "Epoch 2/3".
    recorder = Recorder()
    history = _regression_model().fit(iter(_batches(4)), epochs=3, verbose=1, callbacks=[recorder])
    assert history.epoch == [0]
    assert len(history.history["loss"]) == 1
    assert _epoch_ends(recorder) == [0]
    assert [c[0] for c in recorder.calls].count("epoch_begin") == 1
    assert recorder.calls[-1][0] == "train_end"
    out = capsys.readouterr().out
    assert "Epoch 1/3" in out and "Epoch 2/3" not in out
    assert OUT_OF_DATA.format(12) in caplog.text


def test_generator_running_out_inside_an_epoch_logs_that_partial_epoch_then_stops(backend, caplog):
    # steps_per_epoch=3 over 4 batches: epoch 2 runs its one batch (its own numbers), epoch 3 never starts.
    recorder = Recorder()
    logged = []
    keep = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logged.append(dict(logs)))
    history = _regression_model().fit(iter(_batches(4)), steps_per_epoch=3, epochs=3, verbose=0,
                                      callbacks=[recorder, keep])
    assert history.epoch == [0, 1]
    assert _epoch_ends(recorder) == [0, 1]
    assert logged[0]["loss"] != logged[1]["loss"]
    assert OUT_OF_DATA.format(9) in caplog.text


def test_arrays_with_too_many_steps_per_epoch_stop_before_an_empty_epoch(backend, caplog):
    # 32 rows in batches of 8 make 4 batches a pass, one pass per epoch: 8 steps use both passes in
    # epoch 1, so epoch 2 has nothing.
    x, y = zip(*_batches(4))
    history = _regression_model().fit(np.concatenate(x), np.concatenate(y), batch_size=8, steps_per_epoch=8,
                                      epochs=2, verbose=0)
    assert history.epoch == [0]
    assert OUT_OF_DATA.format(16) in caplog.text


class _ShrinkingSequence(keras.utils.Sequence):
    """Four batches, then none after the first epoch (a fresh pass that yields nothing)."""

    def __init__(self):
        self.batches = _batches(4)

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]

    def on_epoch_end(self):
        self.batches = []


def test_a_fresh_pass_with_no_batch_logs_nothing_for_its_epoch(backend, caplog):
    recorder = Recorder()
    history = _regression_model().fit(_ShrinkingSequence(), epochs=3, verbose=0, callbacks=[recorder])
    assert history.epoch == [0]
    assert _epoch_ends(recorder) == [0]
    assert OUT_OF_DATA.format(12) in caplog.text
