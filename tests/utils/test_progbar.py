"""The progress bar's text, in tf.keras 2.x's format, on a terminal and in a pipe."""
import io
import re

import pytest

from kerasx.utils import generic_utils
from kerasx.utils.generic_utils import Progbar


class _Stdout(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


@pytest.fixture
def fake_stdout(monkeypatch):
    def make(tty):
        out = _Stdout(tty)
        monkeypatch.setattr(generic_utils.sys, "stdout", out)
        monkeypatch.delitem(generic_utils.sys.modules, "ipykernel", raising=False)
        monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
        return out
    return make


@pytest.fixture
def clock(monkeypatch):
    """A controllable `time.time` for the progress bar."""
    now = [1000.0]
    monkeypatch.setattr(generic_utils.time, "time", lambda: now[0])
    return now


def test_format_time_units():
    assert Progbar._format_time(2.4, "step") == " 2s/step"
    assert Progbar._format_time(0, "step") == " 0s/step"
    assert Progbar._format_time(0.0031, "step") == " 3ms/step"
    assert Progbar._format_time(0.000253, "step") == " 253us/step"
    assert Progbar._format_time(0.15, "epoch") == " 150ms/epoch"


def test_terminal_bar_updates_in_place_then_ends_with_the_time_per_step(fake_stdout, clock):
    out = fake_stdout(tty=True)
    bar = Progbar(target=32, stateful_metrics=["loss", "accuracy"])
    clock[0] += 0.1
    bar.update(1, [("loss", 2.5), ("accuracy", 0.25)])
    clock[0] += 0.1
    bar.update(16, [("loss", 2.3), ("accuracy", 0.1)])
    clock[0] += 0.9
    bar.update(32, [("loss", 2.31234), ("accuracy", 0.104)], finalize=True)
    text = out.getvalue()
    lines = text.split("\r")
    assert lines[1].startswith(" 1/32 [" + "." * 30 + "] - ETA: 3s - loss: 2.5000 - accuracy: "
                               "0.2500")
    assert lines[2].startswith("16/32 [==============>...............] - ETA: 0s - loss: 2.3000 - "
                               "accuracy: 0.1000")
    # 1.1 s in all; the first step is left out of the per-step time: 1.0 s / 31 steps.
    assert lines[3] == ("32/32 [==============================] - 1s 32ms/step - loss: 2.3123 - "
                        "accuracy: 0.1040\n")
    # Each redraw first backspaces over the previous line.
    assert "\b" * len(lines[1].rstrip("\b")) in text


def test_small_values_use_scientific_notation(fake_stdout, clock):
    out = fake_stdout(tty=False)
    bar = Progbar(target=2, stateful_metrics=["loss"])
    bar.update(2, [("loss", 0.0001234)], finalize=True)
    assert out.getvalue().endswith(" - loss: 1.2340e-04\n")


def test_pipe_prints_the_bar_once_at_the_end(fake_stdout, clock):
    out = fake_stdout(tty=False)
    bar = Progbar(target=4, stateful_metrics=["loss"])
    for step in range(1, 4):
        clock[0] += 1.0
        bar.update(step, [("loss", 1.0 / step)])
    assert out.getvalue() == ""
    clock[0] += 1.0
    bar.update(4, [("loss", 0.25)], finalize=True)
    assert out.getvalue() == "4/4 [==============================] - 4s 1s/step - loss: 0.2500\n"


def test_values_not_stateful_are_averaged_over_steps(fake_stdout, clock):
    out = fake_stdout(tty=False)
    bar = Progbar(target=4)
    bar.update(2, [("loss", 1.0)])
    bar.update(4, [("loss", 3.0)], finalize=True)
    assert out.getvalue().endswith(" - loss: 2.0000\n")


def test_verbose_2_prints_one_line_with_epoch_and_step_times(fake_stdout, clock):
    out = fake_stdout(tty=True)
    bar = Progbar(target=32, verbose=2, stateful_metrics=["loss", "val_loss"])
    clock[0] += 0.16
    bar.update(16, [("loss", 0.9)])
    assert out.getvalue() == ""
    bar.update(32, [("loss", 0.6931), ("val_loss", 0.7)], finalize=True)
    assert out.getvalue() == "32/32 - 0s - loss: 0.6931 - val_loss: 0.7000 - 160ms/epoch - 5ms/step\n"


def test_unknown_target_shows_count(fake_stdout, clock):
    out = fake_stdout(tty=True)
    bar = Progbar(target=None)
    clock[0] += 0.2
    bar.update(3, [("loss", 1.0)])
    assert re.search(r"\r      3/Unknown - 0s 67ms/step - loss: 1.0000", out.getvalue())


def test_tensor_values_are_read_only_when_drawn(backend, fake_stdout, clock, monkeypatch):
    from kerasx.autodiff.tensor import Tensor, as_tensor
    reads = []
    original = Tensor.numpy
    monkeypatch.setattr(Tensor, "numpy", lambda self: reads.append(1) or original(self))
    fake_stdout(tty=False)
    bar = Progbar(target=3, stateful_metrics=["loss"])
    bar.update(1, [("loss", as_tensor(0.5))])
    bar.update(2, [("loss", as_tensor(0.4))])
    assert reads == []
    bar.update(3, [("loss", as_tensor(0.3))], finalize=True)
    assert len(reads) == 1


def test_array_values_show_their_mean_as_tf_keras_prints_np_mean(backend, fake_stdout, clock):
    from kerasx.autodiff.tensor import as_tensor
    import numpy as np
    out = fake_stdout(tty=True)
    bar = Progbar(target=2, stateful_metrics=["precision"])
    clock[0] += 0.1
    bar.update(1, [("precision", as_tensor(np.array([0.25, 0.75], "float32")))])  # a device value
    assert " - precision: 0.5000" in out.getvalue()
    bar.update(2, [("precision", np.array([0.5, 0.7], "float32")), ("recall", np.array([1e-4, 3e-4]))],
               finalize=True)  # the epoch's synced logs: host arrays
    assert out.getvalue().endswith(" - precision: 0.6000 - recall: 2.0000e-04\n")
