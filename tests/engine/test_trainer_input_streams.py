"""`fit` on inputs that stream batches: a finite generator running out, and Sequences and generators
read by workers (`workers`, `use_multiprocessing`, `max_queue_size`)."""
import json
import os
import subprocess
import sys
import threading

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


# ---------------------------------------------------------------- workers
class ShiftingSequence(keras.utils.Sequence):
    """Six batches; `on_epoch_end` shifts the targets, so a worker reading a stale copy would train on
    other numbers. Defined at module level so that worker processes can unpickle it."""

    def __init__(self, fail_at=None):
        self.batches = _batches(6)
        self.shift = 0.0
        self.fail_at = fail_at
        self.epochs_ended = 0

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        if index == self.fail_at:
            raise KeyError(f"batch {index} is missing")
        x, y = self.batches[index]
        return x, y + self.shift

    def on_epoch_end(self):
        self.epochs_ended += 1
        self.shift += 1.0


def _fit_weights(data, **kwargs):
    model = _regression_model()
    model.fit(data, epochs=3, verbose=0, **kwargs)
    return [w.copy() for w in model.get_weights()]


def _keras_threads():
    return [t for t in threading.enumerate() if t.name.startswith("keras_")]


@pytest.mark.parametrize("workers", [0, 1, 4])
def test_sequence_with_worker_threads_trains_as_in_the_main_thread(backend, workers):
    # Batches come back in order, and the shuffled order is drawn as without workers.
    reference = _fit_weights(ShiftingSequence(), shuffle=True, workers=0)
    seq = ShiftingSequence()
    weights = _fit_weights(seq, shuffle=True, workers=workers, max_queue_size=2)
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference))
    assert seq.epochs_ended == 3
    assert _keras_threads() == []


def test_generator_with_worker_threads_trains_as_in_the_main_thread(backend):
    reference = _fit_weights(iter(_batches(6) * 3), steps_per_epoch=6)
    weights = _fit_weights(iter(_batches(6) * 3), steps_per_epoch=6, workers=3)
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference))
    assert _keras_threads() == []


def test_a_worker_threads_error_reaches_fit_with_its_type_and_message_and_the_pool_stops(backend):
    with pytest.raises(KeyError, match="batch 4 is missing"):
        _regression_model().fit(ShiftingSequence(fail_at=4), epochs=2, verbose=0, workers=3)
    assert _keras_threads() == []


def test_the_pool_stops_when_fit_raises_for_another_reason(backend):
    def fail(epoch, logs):
        raise RuntimeError("a callback failed")
    with pytest.raises(RuntimeError, match="a callback failed"):
        _regression_model().fit(ShiftingSequence(), epochs=3, verbose=0, workers=3,
                                callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=fail)])
    assert _keras_threads() == []
    with pytest.raises(RuntimeError, match="a callback failed"):
        _regression_model().fit(iter(_batches(6) * 3), steps_per_epoch=6, epochs=3, verbose=0, workers=2,
                                callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=fail)])
    assert _keras_threads() == []


def test_validation_and_predict_with_workers(backend):
    model = _regression_model()
    history = model.fit(ShiftingSequence(), validation_data=ShiftingSequence(), epochs=2, verbose=0,
                        workers=2)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(ShiftingSequence(), workers=2).shape == (48, 1)
    assert np.isfinite(model.evaluate(ShiftingSequence(), workers=2, verbose=0))
    assert _keras_threads() == []


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": -1}, r"`workers` must be an integer >= 0 \(0 reads the data in the main thread\); "
                      r"received workers=-1\."),
    ({"workers": 2.5}, r"received workers=2\.5\."),
    ({"workers": True}, r"received workers=True\."),
    ({"max_queue_size": 0}, r"`max_queue_size` must be an integer >= 1; received max_queue_size=0\."),
    ({"use_multiprocessing": "yes"}, r"`use_multiprocessing` must be True or False; received "
                                     r"use_multiprocessing='yes'\."),
])
def test_worker_arguments_are_checked_before_anything_changes(backend, kwargs, message):
    model = _regression_model()
    model.predict(_batches(1)[0][0], verbose=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=message):
        model.fit(ShiftingSequence(), epochs=1, verbose=0, **kwargs)
    assert int(model.optimizer.iterations.numpy()) == 0
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


def test_a_generator_cannot_go_to_worker_processes(backend):
    with pytest.raises(ValueError, match=r"`use_multiprocessing=True` needs a `keras.utils.Sequence`"):
        _regression_model().fit(iter(_batches(2)), epochs=1, verbose=0, workers=2, use_multiprocessing=True)


def test_an_unpicklable_sequence_is_refused_for_processes_before_training(backend):
    seq = ShiftingSequence()
    seq.transform = lambda v: v  # a lambda does not pickle
    model = _regression_model()
    with pytest.raises(TypeError, match=r"use_multiprocessing=True sends the Sequence to worker processes, "
                                        r"which needs it to be picklable \(an instance of a class defined "
                                        r"at module level\); ShiftingSequence is not"):
        model.fit(seq, epochs=1, verbose=0, workers=2, use_multiprocessing=True)
    assert int(model.optimizer.iterations.numpy()) == 0


# Worker processes run in a child Python with a time limit, so the suite cannot hang on them.
_PROCESS_SCRIPT = """
import json, multiprocessing, sys
import numpy as np
sys.path.insert(0, {root!r})
from tests.engine import test_trainer_input_streams as t

if __name__ == "__main__":
    reference = t._fit_weights(t.ShiftingSequence(), shuffle=True, workers=0)
    seq = t.ShiftingSequence()
    weights = t._fit_weights(seq, shuffle=True, workers=2, use_multiprocessing=True)
    out = {{"same": all(np.array_equal(a, b) for a, b in zip(weights, reference)),
           "epochs_ended": seq.epochs_ended, "children_after_fit": len(multiprocessing.active_children())}}
    try:
        t._regression_model().fit(t.ShiftingSequence(fail_at=4), epochs=2, verbose=0, workers=2,
                                  use_multiprocessing=True)
    except Exception as error:
        out["error"] = [type(error).__name__, str(error)]
    out["children_after_error"] = len(multiprocessing.active_children())
    print(json.dumps(out))
"""


def test_sequence_with_worker_processes(backend, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = tmp_path / "run_processes.py"
    script.write_text(_PROCESS_SCRIPT.format(root=root))
    env = dict(os.environ, KERAS_BACKEND=backend.name)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env=env, cwd=root)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # In order, and each worker process sees the Sequence as on_epoch_end left it.
    assert out["same"] is True
    assert out["epochs_ended"] == 3
    assert out["children_after_fit"] == 0
    # The worker's KeyError reaches fit in the main process, type and message kept; the pool is gone.
    assert out["error"] == ["KeyError", "'batch 4 is missing'"]
    assert out["children_after_error"] == 0
