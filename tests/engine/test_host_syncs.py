"""Host/device transfers per training step, counted by the backend (`backends/transfers.py`).

On a GPU every device-to-host copy synchronises the device, so a step may read back only what a person
looks at: the values `train_on_batch` returns, the progress bar's refresh, the logs at the end of an
epoch. Host-to-device copies are the batch itself; a per-step copy of a Python number would be a tiny
synchronous cudaMemcpy each time. The counts are printed at the end of the run ("host/device transfers").

On the NumPy backend a reduction returns a NumPy scalar, host data for the next `asarray`, so its
host-to-device count includes copies that are not copies; the device-like backends (`strict`, `cupy`)
give the true figure, and the assertions on it run there.
"""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from tests.conftest import report_transfers

RNG = np.random.default_rng(0)


def _mlp():
    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)),
                              layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, RNG.random((32, 8)).astype("float32"), RNG.integers(0, 3, 32)


def _cnn():
    model = keras.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    return model, RNG.random((16, 8, 8, 1)).astype("float32"), np.eye(3, dtype="float32")[RNG.integers(0, 3, 16)]


def _lstm():
    model = keras.Sequential([layers.LSTM(8, input_shape=(5, 4)), layers.Dense(1, activation="sigmoid")])
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    return model, RNG.random((16, 5, 4)).astype("float32"), RNG.integers(0, 2, (16, 1)).astype("float32")


MODELS = {"mlp": _mlp, "cnn": _cnn, "lstm": _lstm}


def _device_like(backend):
    """Backends whose reductions stay device arrays, so that every host-to-device count is a real copy."""
    return backend.name != "numpy"


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_train_on_batch_reads_back_only_the_returned_logs(backend, kind):
    model, x, y = MODELS[kind]()
    model.train_on_batch(x, y)  # builds the model and the optimizer's slots
    with backend.transfers.counting() as moved:
        logs = model.train_on_batch(x, y)
    report_transfers(f"{backend.name}: one train_on_batch of the {kind.upper()}, metrics=['accuracy']",
                     moved)
    assert len(logs) == 2
    # loss and accuracy, each read once; nothing else comes back to the host.
    assert moved["to_host"] == len(logs), moved
    if _device_like(backend):
        assert moved["to_device"] == 2, f"only x and y should go to the device: {moved}"


@pytest.mark.parametrize("verbose", [0, 2])
def test_fit_transfers_do_not_grow_with_the_steps(backend, verbose):
    model, x, y = _mlp()
    model.train_on_batch(x, y)
    counts = {}
    for steps in (1, 10):
        xs, ys = np.tile(x, (steps, 1)), np.tile(y, steps)
        with backend.transfers.counting() as moved:
            history = model.fit(xs, ys, batch_size=32, epochs=1, verbose=verbose)
        counts[steps] = moved
        report_transfers(f"{backend.name}: fit of the MLP, {steps} step(s), verbose={verbose}", moved)
    assert len(history.history) == 2
    assert counts[1]["to_host"] == counts[10]["to_host"] == 2, counts
    if _device_like(backend):
        # Arrays this small stay on the device for the whole fit (one copy of x and y, one shuffle order
        # per epoch), so nine more steps copy nothing more.
        assert counts[10]["to_device"] == counts[1]["to_device"], counts


def test_evaluate_and_predict_read_back_once(backend):
    model, x, y = _cnn()
    model.train_on_batch(x, y)
    xs, ys = np.tile(x, (4, 1, 1, 1)), np.tile(y, (4, 1))
    with backend.transfers.counting() as moved:
        model.evaluate(xs, ys, batch_size=16, verbose=0)
    report_transfers(f"{backend.name}: evaluate of the CNN, 4 batches", moved)
    assert moved["to_host"] == 2, moved
    with backend.transfers.counting() as moved:
        out = model.predict(xs, batch_size=16, verbose=0)
    report_transfers(f"{backend.name}: predict of the CNN, 4 batches", moved)
    assert out.shape == (64, 3)
    assert moved["to_host"] == 1, moved  # the concatenated outputs, once
