"""`TimedThread`: calls on an interval until stopped, as a context manager too, and beside `fit` as a
callback."""
import threading

import numpy as np
import pytest

import kerasx
from kerasx.utils import TimedThread


class Counter(TimedThread):
    def __init__(self, interval, **kwargs):
        super().__init__(interval, **kwargs)
        self.calls = 0
        self.called = threading.Event()

    def on_interval(self):
        self.calls += 1
        if self.calls >= 3:
            self.called.set()


def test_runs_until_stopped():
    counter = Counter(0.001)
    assert not counter.is_alive()
    counter.start()
    assert counter.called.wait(5) and counter.is_alive()
    counter.stop()
    counter.thread.join(5)
    assert not counter.is_alive()
    calls = counter.calls
    assert calls >= 3 and counter.calls == calls
    assert counter.thread.daemon


def test_context_manager_and_a_second_start_warns():
    with Counter(0.001, daemon=False, name="counting") as counter:
        assert counter.thread.name == "counting" and not counter.thread.daemon
        with pytest.warns(UserWarning, match="Thread is already running."):
            counter.start()
        assert counter.called.wait(5)
    counter.thread.join(5)
    assert not counter.is_alive()


def test_as_a_callback_during_fit():
    class Watch(TimedThread, kerasx.callbacks.Callback):
        def __init__(self):
            TimedThread.__init__(self, 0.001)
            kerasx.callbacks.Callback.__init__(self)
            self.epochs_seen = []

        def on_interval(self):
            pass

        def on_epoch_begin(self, epoch, logs=None):
            self.epochs_seen.append(epoch)

    model = kerasx.Sequential([kerasx.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    with Watch() as watch:
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[watch])
        assert watch.is_alive()
    assert watch.epochs_seen == [0, 1]


def test_errors():
    with pytest.raises(NotImplementedError, match="Needs to be implemented in subclasses of `TimedThread`"):
        TimedThread(1.0).on_interval()  # as tf.keras, a plain class whose on_interval is abstract
    with pytest.raises(ValueError, match="TimedThread: `interval` must be a number of seconds >= 0; received "
                                         "interval='5'"):
        Counter("5")
