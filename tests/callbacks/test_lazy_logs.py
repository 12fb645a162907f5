"""`LazyLogs` and the lazy logs of `fit`/`evaluate`'s default steps: what every reader sees is what the
eager step gave (History, batch callbacks, kept logs, the progress bar, `steps_per_execution` running
out of data), and the metrics' results are computed only when someone reads them."""
import re
import types

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.callbacks.lazy_logs import LazyLogs, resolve_logs
from kerasx.utils import generic_utils, set_random_seed


# ---------------------------------------------------------------- the mapping
def test_lazy_logs_compute_once_on_first_read():
    calls = []

    def compute():
        calls.append(1)
        return {"loss": 1.5, "auc": 0.25}

    logs = LazyLogs(compute)
    assert not logs.resolved and bool(logs) and repr(logs) == "LazyLogs(<not computed yet>)"
    assert calls == []  # bool() did not compute
    assert logs["loss"] == 1.5 and logs.resolved and calls == [1]
    assert list(logs) == ["loss", "auc"] and len(logs) == 2 and dict(logs.items()) == logs.copy()
    logs["lr"] = 0.1
    del logs["auc"]
    assert logs.copy() == {"loss": 1.5, "lr": 0.1} and calls == [1]
    assert repr(logs) == "LazyLogs({'loss': 1.5, 'lr': 0.1})"
    with pytest.raises(KeyError):
        logs["auc"]
    assert not LazyLogs(dict, nonempty=False) and not LazyLogs(lambda: {}, nonempty=True).resolve()


def test_resolve_logs_gives_the_dict_behind_them():
    logs = LazyLogs(lambda: {"loss": 2.0})
    inner = resolve_logs(logs)
    assert type(inner) is dict and inner == {"loss": 2.0}
    inner["lr"] = 0.5  # a callback's addition stays in the logs
    assert logs["lr"] == 0.5
    plain = {"loss": 1.0}
    assert resolve_logs(plain) is plain and resolve_logs(None) is None


# ---------------------------------------------------------------- in fit and evaluate
class _EagerSteps(keras.Sequential):
    """The same steps through an override: not the default steps, so their logs are computed eagerly."""

    def train_step(self, data):
        return super().train_step(data)

    def test_step(self, data):
        return super().test_step(data)


def _models():
    """Two identical models (same weights), the default one (lazy) and the eager one, each counting its
    `get_metrics_result` calls."""
    out = []
    for cls in (keras.Sequential, _EagerSteps):
        set_random_seed(0)
        model = cls([layers.Dense(8, activation="relu", input_shape=(4,)),
                     layers.Dense(3, activation="softmax")])
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])
        model.result_calls = 0
        original = model.get_metrics_result

        def counting(original=original, model=model):
            model.result_calls += 1
            return original()

        model.get_metrics_result = counting
        out.append(model)
    lazy, eager = out
    eager.set_weights(lazy.get_weights())
    return lazy, eager


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, np.eye(3, dtype="float32")[rng.integers(0, 3, n)]


def _fit_both(**kwargs):
    lazy, eager = _models()
    x, y = _data()
    histories = [m.fit(x, y, batch_size=8, shuffle=False, **kwargs).history for m in (lazy, eager)]
    return lazy, eager, histories


def test_fit_without_readers_computes_results_once_per_epoch(backend):
    lazy, eager, (h_lazy, h_eager) = _fit_both(epochs=3, verbose=0, validation_data=_data(16, 1))
    assert h_lazy == h_eager  # the same numbers, to the last bit
    assert sorted(h_lazy) == ["accuracy", "auc", "loss", "val_accuracy", "val_auc", "val_loss"]
    # 6 steps and 2 validation batches an epoch: the eager steps compute every result each time.
    assert eager.result_calls == 3 * (6 + 2)
    assert lazy.result_calls == 3 * 2  # once for the epoch's logs, once for the validation's


def test_evaluate_computes_results_once(backend):
    lazy, eager = _models()
    x, y = _data()
    for m in (lazy, eager):
        m.result_calls = 0
    assert lazy.evaluate(x, y, batch_size=8, verbose=0) == eager.evaluate(x, y, batch_size=8, verbose=0)
    assert (lazy.result_calls, eager.result_calls) == (1, 6)


class _BatchReader(keras.callbacks.Callback):
    """Reads the logs every batch (plain numbers) and keeps them."""

    def __init__(self, tf_logs=False):
        super().__init__()
        self._supports_tf_logs = tf_logs
        self.seen, self.kept = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.kept.append(logs)
        self.seen.append({k: float(v) for k, v in logs.items()})


class _Evaluator(keras.callbacks.Callback):
    """Runs `evaluate` after every batch without reading the logs: the model's metrics change between
    the step and the epoch's end."""

    def __init__(self, data):
        super().__init__()
        self._supports_tf_logs = True
        self.data = data

    def on_train_batch_end(self, batch, logs=None):
        self.model.evaluate(*self.data, verbose=0)


@pytest.mark.parametrize("tf_logs", [False, True])
def test_batch_callbacks_see_and_keep_the_eager_values(backend, tf_logs):
    lazy, eager = _models()
    x, y = _data()
    readers = [_BatchReader(tf_logs), _BatchReader(tf_logs)]
    h_lazy, h_eager = (m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[r]).history
                       for m, r in zip((lazy, eager), readers))
    assert h_lazy == h_eager
    assert readers[0].seen == readers[1].seen and len(readers[0].seen) == 12
    # The logs a callback kept still hold their own batch's values after training went on.
    kept = [{k: float(v) for k, v in logs.items()} for logs in readers[0].kept]
    assert kept == readers[0].seen
    assert all(type(logs) is dict for logs in readers[0].kept)
    assert lazy.result_calls == eager.result_calls == 12


def test_a_callback_that_changes_the_metrics_does_not_change_the_logs(backend):
    lazy, eager = _models()
    x, y = _data()
    other = _data(16, 5)
    h_lazy = lazy.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                      callbacks=[_Evaluator(other)]).history
    h_eager = eager.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                        callbacks=[_Evaluator(other)]).history
    assert h_lazy == h_eager


def test_steps_per_execution_running_out_of_data_logs_as_before(backend):
    # A generator of 5 batches, steps unknown, 2 steps an execution: the third execution runs one step
    # (updating the metrics) and runs out; the epoch's logs are those of the last whole execution.
    lazy, eager = _models()
    x, y = _data(40)
    histories = []
    for m in (lazy, eager):
        m.compile("adam", "categorical_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")],
                  steps_per_execution=2)

        def batches():
            for i in range(0, 40, 8):
                yield x[i:i + 8], y[i:i + 8]

        histories.append(m.fit(batches(), epochs=1, verbose=0).history)
    assert histories[0] == histories[1]


def _final_values(out):
    """The `name: value` pairs of each epoch's final bar."""
    return re.findall(r"(\w+): (\d+\.\d{4}(?:e-\d\d)?)", out)


def test_progress_bar_in_a_pipe_shows_the_same_values_computing_less(backend, capsys):
    lazy, eager = _models()
    x, y = _data()
    outs = []
    for m in (lazy, eager):
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=1)
        outs.append(capsys.readouterr().out)
    assert _final_values(outs[0]) == _final_values(outs[1]) and len(_final_values(outs[0])) == 6
    assert eager.result_calls == 12
    # A pipe draws each bar once, at the epoch's end: the first batch of each epoch computes (the bar
    # learns that its values are running metrics, shown as they are), the others do not.
    assert lazy.result_calls == 2 * 2


def test_progress_bar_on_a_terminal_computes_only_when_it_draws(backend, capsys, monkeypatch):
    monkeypatch.setattr(generic_utils, "_is_dynamic_display", lambda: True)
    # A clock that stands still: the bar draws the first batch (its last drawing was at 0), then
    # nothing until the epoch's end.
    monkeypatch.setattr(generic_utils, "time", types.SimpleNamespace(time=lambda: 1000.0))
    lazy, eager = _models()
    x, y = _data()
    outs = []
    for m in (lazy, eager):
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=1)
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and outs[0].count("\r") == 2 and "1/6 [" in outs[0]
    assert (lazy.result_calls, eager.result_calls) == (2, 6)


class _ExtendedMetrics(keras.Sequential):
    """tf.keras's documented pattern: `compute_metrics` extends its parent's dict."""

    def compute_metrics(self, x, y, y_pred, sample_weight):
        logs = super().compute_metrics(x, y, y_pred, sample_weight)
        assert type(logs) is dict  # an override gets the eager dict
        logs["twice_loss"] = logs["loss"] * 2.0
        return logs


def test_an_overridden_compute_metrics_gets_a_dict(backend):
    set_random_seed(0)
    model = _ExtendedMetrics([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(*_data(), batch_size=8, epochs=1, verbose=0).history
    assert history["twice_loss"][0] == pytest.approx(2 * history["loss"][0])


def test_a_step_set_on_the_instance_gets_the_eager_dict(backend):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    seen = []
    default_step = model.train_step

    def train_step(data):
        logs = default_step(data)
        seen.append(type(logs))
        return logs

    model.train_step = train_step
    model.fit(*_data(), batch_size=8, epochs=1, verbose=0)
    assert seen == [dict] * 6
