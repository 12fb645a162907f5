"""History, the progress output of fit/evaluate/predict, CSVLogger, TerminateOnNaN, BaseLogger."""
import csv
import math
import re

import pytest

import kerasx as keras
from kerasx.utils import generic_utils
from tests.callbacks.callback_test_utils import regression_data, regression_model

TIME = r"\d+(s|ms|us)"
VALUE = r"\d+\.\d{4}(e-\d\d)?"


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(generic_utils, "_is_dynamic_display", lambda: True)


def test_history_values(backend):
    model = regression_model()
    x, y = regression_data(16)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert isinstance(history, keras.callbacks.History)
    assert history.epoch == [0, 1, 2] and len(history.history["loss"]) == 3
    assert history.history["loss"][-1] == pytest.approx(
        model.history.history["loss"][-1])


def test_fit_verbose_1_in_a_pipe_prints_each_bar_once(backend, capsys):
    model = regression_model()
    x, y = regression_data(64)
    model.fit(x, y, batch_size=16, epochs=2, validation_data=(x, y), verbose=1)
    out = capsys.readouterr().out
    pattern = (rf"Epoch 1/2\n4/4 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE} - val_loss: {VALUE}\n"
               rf"Epoch 2/2\n4/4 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE} - val_loss: {VALUE}\n")
    assert re.fullmatch(pattern, out), out


def test_fit_verbose_auto_is_1_and_one_epoch_has_no_epoch_line(backend, capsys):
    model = regression_model()
    x, y = regression_data(32)
    model.fit(x, y, epochs=1)
    out = capsys.readouterr().out
    assert re.fullmatch(rf"1/1 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE}\n", out), out


def test_fit_verbose_1_on_a_terminal_redraws_one_line(backend, capsys, terminal):
    model = regression_model()
    x, y = regression_data(64)
    model.fit(x, y, batch_size=16, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n")
    final = out.split("\r")[-1]
    assert re.fullmatch(rf"4/4 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE}\n", final), final
    assert out.split("\r")[1].startswith("1/4 [======>.......................] - ETA: ")


def test_fit_verbose_2_prints_one_line_per_epoch(backend, capsys, terminal):
    model = regression_model()
    x, y = regression_data(64)
    model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=2)
    out = capsys.readouterr().out
    line = rf"3/3 - \d+s - loss: {VALUE} - val_loss: {VALUE} - {TIME}/epoch - {TIME}/step\n"
    assert re.fullmatch(rf"Epoch 1/2\n{line}Epoch 2/2\n{line}", out), out


def test_evaluate_and_predict_bars(backend, capsys):
    model = regression_model()
    x, y = regression_data(40)
    model.evaluate(x, y)
    assert re.fullmatch(rf"2/2 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE}\n", capsys.readouterr().out)
    model.predict(x, verbose=1)
    assert re.fullmatch(rf"2/2 \[={{30}}\] - \d+s {TIME}/step\n", capsys.readouterr().out)
    model.predict(x)
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_generator_of_unknown_length_bar_uses_the_count(backend, capsys):
    model = regression_model()
    x, y = regression_data(32)
    gen = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))
    model.fit(gen, verbose=1)
    assert re.fullmatch(rf"4/4 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE}\n", capsys.readouterr().out)


def test_csv_logger(backend, tmp_path):
    path = tmp_path / "log.csv"
    model = regression_model()
    x, y = regression_data(16)
    model.fit(x, y, epochs=2, validation_data=(x, y), callbacks=[keras.callbacks.CSVLogger(path)],
              verbose=0)
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    model.fit(x, y, epochs=1, callbacks=[keras.callbacks.CSVLogger(path, separator=";", append=True)],
              verbose=0)
    lines = open(path).read().splitlines()
    assert len(lines) == 4 and lines[3].startswith("0;")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_terminate_on_nan(backend, capsys):
    model = regression_model(lr=1e30)
    x, y = regression_data(32)
    history = model.fit(x * 1e10, y, batch_size=4, epochs=3,
                        callbacks=[keras.callbacks.TerminateOnNaN()], verbose=0)
    out = capsys.readouterr().out
    match = re.fullmatch(r"Batch (\d+): Invalid loss, terminating training\n", out)
    assert match, out
    assert history.epoch == [0]
    assert not math.isfinite(history.history["loss"][0])


def test_base_logger_averages_by_size():
    logger = keras.callbacks.BaseLogger(stateful_metrics=["s"])
    logger.set_params({"metrics": ["loss", "s"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 2, "loss": 1.0, "s": 5.0})
    logger.on_batch_end(1, {"size": 6, "loss": 3.0, "s": 7.0})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs == {"loss": pytest.approx(2.5), "s": 7.0}


def test_array_valued_metric_prints_its_mean_and_history_keeps_the_array(backend, capsys, tmp_path):
    model = regression_model()
    model.compile(optimizer="sgd", loss="mse", metrics=[keras.metrics.Precision(thresholds=[0.3, 0.7])])
    x, y = regression_data(32)
    y = (y > 0).astype("float32")
    history = model.fit(x, y, epochs=1, verbose=1)
    precision = history.history["precision"][0]
    assert precision.shape == (2,)
    out = capsys.readouterr().out
    assert re.fullmatch(rf"1/1 \[={{30}}\] - \d+s {TIME}/step - loss: {VALUE} - precision: (\d\.\d{{4}})\n",
                        out), out
    shown = float(re.search(r"precision: (\d\.\d{4})", out).group(1))
    assert shown == pytest.approx(float(precision.mean()), abs=1e-4)
