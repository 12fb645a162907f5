"""`EarlyStopping`: patience, min_delta, baseline, mode, restoring the best weights."""
import logging

import numpy as np

from kerasx.callbacks import EarlyStopping, LambdaCallback
from tests.callbacks.callback_test_utils import regression_data, regression_model


class _FakeModel:
    """Just what EarlyStopping touches: weights (an epoch counter) and `stop_training`."""

    def __init__(self):
        self.stop_training = False
        self.weights = 0
        self.restored = None

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.restored = weights


def _drive(callback, values, key="val_loss"):
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        model.weights = epoch
        callback.on_epoch_end(epoch, {key: value})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs, model


def test_stops_after_patience_epochs_without_improvement():
    epochs, model = _drive(EarlyStopping(patience=2), [1.0, 0.5, 0.6, 0.7, 0.1])
    assert epochs == 4 and model.stop_training


def test_min_delta_counts_small_gains_as_none():
    epochs, _ = _drive(EarlyStopping(patience=1, min_delta=0.1), [1.0, 0.95, 0.5])
    assert epochs == 2


def test_mode_auto_maximises_accuracy_and_mode_max():
    epochs, _ = _drive(EarlyStopping(monitor="val_accuracy", patience=1), [0.5, 0.6, 0.7, 0.6],
                       key="val_accuracy")
    assert epochs == 4
    epochs, _ = _drive(EarlyStopping(monitor="score", mode="max", patience=1), [1, 0], key="score")
    assert epochs == 2


def test_baseline_must_be_beaten():
    epochs, _ = _drive(EarlyStopping(patience=2, baseline=0.1), [0.5, 0.4, 0.3, 0.2])
    assert epochs == 2


def test_restore_best_weights(capsys):
    epochs, model = _drive(EarlyStopping(patience=2, restore_best_weights=True, verbose=1),
                           [1.0, 0.2, 0.5, 0.6, 0.0])
    assert epochs == 4 and model.restored == 1
    assert capsys.readouterr().out == ("Restoring model weights from the end of the best epoch: 2.\n"
                                       "Epoch 4: early stopping\n")


def test_start_from_epoch_ignores_warm_up():
    epochs, _ = _drive(EarlyStopping(patience=1, start_from_epoch=2), [0.1, 0.9, 0.8, 0.9, 0.95])
    assert epochs == 4


def test_missing_monitor_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        epochs, model = _drive(EarlyStopping(monitor="val_acc"), [1.0, 2.0])
    assert epochs == 2 and not model.stop_training
    assert ("Early stopping conditioned on metric `val_acc` which is not available. Available metrics are: "
            "val_loss") in caplog.text


def test_unknown_mode_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        EarlyStopping(mode="bigger")
    assert "EarlyStopping mode bigger is unknown, fallback to auto mode." in caplog.text


def test_in_fit_stops_and_restores_the_best_weights(backend):
    model = regression_model()
    x, y = regression_data(16)
    scores = [3.0, 1.0, 2.0, 2.5, 0.5]
    snapshots = []

    def score(epoch, logs):
        logs["score"] = scores[epoch]
        snapshots.append(model.get_weights())
    stopper = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=5, callbacks=[LambdaCallback(on_epoch_end=score), stopper], verbose=0)
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3
    assert history.history["score"] == [3.0, 1.0, 2.0, 2.5]
    for restored, best in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(restored, best)
