"""`LearningRateScheduler` and `ReduceLROnPlateau` change `model.optimizer.lr`."""
import csv
import re

import pytest

import kerasx as keras
from kerasx import backend as K
from kerasx.callbacks import CSVLogger, LambdaCallback, LearningRateScheduler, ReduceLROnPlateau
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


# ---------------------------------------------------------------- messages, the bar and the logged rate
def _flat_loss_reducer(**kwargs):
    """Reduces from the second epoch on: no loss improves on the first by 10."""
    return ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0, factor=0.1, **kwargs)


def _lr_column(path):
    with open(path, newline="") as f:
        return [float(row["lr"]) for row in csv.DictReader(f)]


def test_reduce_on_plateau_message_precedes_the_bar_which_shows_the_rate_the_epoch_ran_with(
        backend, capsys, tmp_path):
    # tf.keras 2.7+: user callbacks, then History, then ProgbarLogger. ReduceLROnPlateau logs `lr` as the
    # rate the epoch ran with, then reduces and prints; the bar's line for the epoch follows its message
    # and shows the logged (old) rate, which History and CSVLogger record too.
    model = regression_model(lr=0.01)
    x, y = regression_data(64)
    path = tmp_path / "log.csv"
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=1,
                        callbacks=[_flat_loss_reducer(verbose=1), CSVLogger(path)])
    lines = capsys.readouterr().out.split("\n")
    bar = r"4/4 \[={30}\] - \d+s \d+(s|ms|us)/step - loss: \d\.\d{4} - lr: "
    expected = [r"Epoch 1/3", bar + r"0\.0100",
                r"Epoch 2/3", r"", r"Epoch 2: ReduceLROnPlateau reducing learning rate to "
                r"0\.0009999999776482583\.", bar + r"0\.0100",
                r"Epoch 3/3", r"", r"Epoch 3: ReduceLROnPlateau reducing learning rate to "
                r"9\.999999310821295e-05\.", bar + r"1\.0000e-03", r""]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert history.history["lr"] == pytest.approx([0.01, 0.01, 0.001])
    assert _lr_column(path) == pytest.approx([0.01, 0.01, 0.001])
    assert _lr(model) == pytest.approx(0.0001)


def test_scheduler_message_precedes_the_epoch_line_and_the_bar_shows_the_new_rate(
        backend, capsys, tmp_path):
    # The scheduler sets the rate in on_epoch_begin, before ProgbarLogger (last in the list) prints
    # "Epoch n/N"; at the epoch's end it logs the rate the epoch ran with.
    model = regression_model(lr=0.1)
    x, y = regression_data(64)
    path = tmp_path / "log.csv"
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=1,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.5 / 10 ** epoch, verbose=1),
                                   CSVLogger(path)])
    lines = capsys.readouterr().out.split("\n")
    bar = r"2/2 \[={30}\] - \d+s \d+(s|ms|us)/step - loss: \d+\.\d{4} - lr: "
    expected = [r"", r"Epoch 1: LearningRateScheduler setting learning rate to 0\.5\.", r"Epoch 1/2",
                bar + r"0\.5000",
                r"", r"Epoch 2: LearningRateScheduler setting learning rate to 0\.05\.", r"Epoch 2/2",
                bar + r"0\.0500", r""]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert history.history["lr"] == pytest.approx([0.5, 0.05])
    assert _lr_column(path) == pytest.approx([0.5, 0.05])


def test_a_logger_before_the_reducer_sees_no_lr_as_in_tf_keras(backend, tmp_path):
    # One logs dict travels down the list: a CSVLogger placed first fixes its columns before `lr` exists.
    model = regression_model(lr=0.01)
    x, y = regression_data(32)
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path), _flat_loss_reducer()])
    with open(path, newline="") as f:
        assert next(csv.reader(f)) == ["epoch", "loss"]
    assert history.history["lr"] == pytest.approx([0.01, 0.01])


# ---------------------------------------------------------------- a schedule has no rate to set
@pytest.mark.parametrize("make_callback", [lambda: ReduceLROnPlateau(monitor="loss"),
                                           lambda: LearningRateScheduler(lambda epoch, lr: lr)],
                         ids=["ReduceLROnPlateau", "LearningRateScheduler"])
def test_callbacks_refuse_a_schedule_before_anything_starts(backend, tmp_path, make_callback):
    model = regression_model()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    x, y = regression_data(16)
    model.predict(x, verbose=0)  # built, so the weights can be compared
    before = [w.copy() for w in model.get_weights()]
    callback = make_callback()
    name = type(callback).__name__
    path = tmp_path / "log.csv"  # a logger placed first must not have opened (truncated) its file
    with pytest.raises(TypeError, match=(
            rf"^{name} cannot set the learning rate of optimizer 'SGD': the optimizer was created with a "
            r"`LearningRateSchedule` \(ExponentialDecay\) as its `learning_rate`, which computes the rate "
            r"at every step, so its learning rate is not settable\. Create the optimizer with a float "
            rf"`learning_rate` to use {name}\.$")):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path), callback])
    assert not path.exists()
    assert int(model.optimizer.iterations.numpy()) == 0
    for w, b in zip(model.get_weights(), before):
        assert (w == b).all()


def test_reduce_on_plateau_refuses_a_callable_learning_rate(backend):
    model = regression_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lambda: 0.01), loss="mse")
    x, y = regression_data(16)
    with pytest.raises(TypeError, match=r"^ReduceLROnPlateau cannot set the learning rate of optimizer "
                                        r"'SGD': the optimizer was created with a callable as its"):
        model.fit(x, y, verbose=0, callbacks=[ReduceLROnPlateau(monitor="loss")])
    assert int(model.optimizer.iterations.numpy()) == 0
