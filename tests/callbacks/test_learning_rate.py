"""`LearningRateScheduler` and `ReduceLROnPlateau` change `model.optimizer.lr`."""
import pytest

from kerasx import backend as K
from kerasx.callbacks import LambdaCallback, LearningRateScheduler, ReduceLROnPlateau
from tests.callbacks.callback_test_utils import regression_data, regression_model


def _lr(model):
    return float(K.get_value(model.optimizer.lr))


def test_scheduler_two_argument_schedule_sets_lr_each_epoch(backend, capsys):
    model = regression_model(lr=0.1)
    x, y = regression_data(8)
    seen = []
    record = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(_lr(model)))
    scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)
    history = model.fit(x, y, epochs=3, callbacks=[scheduler, record], verbose=0)
    assert seen == pytest.approx([0.05, 0.025, 0.0125])
    assert history.history["lr"] == pytest.approx([0.05, 0.025, 0.0125])
    assert str(history.history["lr"][0].dtype) == "float32"
    # The schedule receives the float32 variable's value as a Python float, as in tf.keras.
    assert capsys.readouterr().out.startswith(
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.05000000074505806.\n")


def test_scheduler_one_argument_schedule(backend):
    model = regression_model()
    x, y = regression_data(8)
    model.fit(x, y, epochs=2, callbacks=[LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], verbose=0)
    assert _lr(model) == pytest.approx(0.02)


def test_scheduler_non_float_error(backend):
    model = regression_model()
    x, y = regression_data(8)
    with pytest.raises(ValueError, match='The output of the "schedule" function should be a float. Got: 1'):
        model.fit(x, y, callbacks=[LearningRateScheduler(lambda epoch: 1)], verbose=0)


def test_reduce_on_plateau(backend, capsys):
    model = regression_model(lr=0.1)
    x, y = regression_data(8)
    values = [1.0, 1.0, 1.0, 1.0, 1.0]
    inject = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(val_loss=values[epoch]))
    reducer = ReduceLROnPlateau(patience=2, factor=0.5, min_lr=0.03, verbose=1)
    history = model.fit(x, y, epochs=5, callbacks=[inject, reducer], verbose=0)
    # Best at epoch 0; two flat epochs halve the rate; two more reach the floor.
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])
    assert _lr(model) == pytest.approx(0.03)
    out = capsys.readouterr().out
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.05" in out
    assert "\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.03.\n" in out


def test_reduce_on_plateau_cooldown_and_improvement(backend):
    model = regression_model(lr=0.1)
    x, y = regression_data(8)
    values = [1.0, 2.0, 0.5, 2.0, 2.0, 2.0]
    inject = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(val_loss=values[epoch]))
    reducer = ReduceLROnPlateau(patience=1, factor=0.5, cooldown=2)
    model.fit(x, y, epochs=6, callbacks=[inject, reducer], verbose=0)
    # Reductions at epochs 1, 3 and 5: each is followed by two cooldown epochs, the first of which
    # (epoch 2) sees the improvement to 0.5; as in tf.keras, the last cooldown epoch already counts.
    assert _lr(model) == pytest.approx(0.1 * 0.5 ** 3)


def test_reduce_on_plateau_factor_error():
    with pytest.raises(ValueError, match="ReduceLROnPlateau does not support a factor >= 1.0. Got 1.5"):
        ReduceLROnPlateau(factor=1.5)
