"""Mutation checks: the host/device bugs the strict-device backend exists to catch, re-introduced into
the real code paths, fail there with the kernel's name (or the implicit conversion's), while NumPy runs
them silently. If one of these passes on `strict`, the strict backend has gone lenient."""
import numpy as np
import pytest

import backends
import kerasx as keras
from backends.strict_array import ImplicitHostTransferError
from backends.strict_backend import StrictDeviceError
from kerasx import layers
from kerasx.autodiff.tensor import Tensor
from kerasx.engine import data_adapter
from kerasx.engine.trainer import Trainer
from kerasx.layers.rnn_cells import LSTMCell


@pytest.fixture(params=["numpy", "strict"])
def host_or_strict(request):
    previous = backends.get()
    active = backends.set_backend(request.param)
    yield active
    backends.set_backend(previous)


def _old_lstm_bias_init(self):
    """LSTMCell's forget-gate bias as it was before the strict backend: a kernel on initializer Tensors."""
    init, u = self.bias_initializer, self.units

    def bias_initializer(shape, dtype=None, **kwargs):
        b = backends.get()
        return b.concatenate([init((u,), dtype=dtype), b.ones((u,), dtype), init((2 * u,), dtype=dtype)], 0)
    return bias_initializer


def test_a_kernel_on_tensors_in_a_layer_fails_with_the_kernels_name(host_or_strict, monkeypatch):
    monkeypatch.setattr(LSTMCell, "_bias_init", _old_lstm_bias_init)
    lstm = layers.LSTM(3)
    x = np.zeros((2, 4, 5), "float32")
    if host_or_strict.name == "numpy":
        assert lstm(x).shape == (2, 3)  # NumPy converts the Tensors through __array__: the bug hides
        return
    with pytest.raises(StrictDeviceError, match=r"kernel 'concatenate' of the strict-device backend expects "
                                                r"a list of device arrays for 'xs', received a list holding a "
                                                r"kerasx\.autodiff\.tensor\.Tensor"):
        lstm(x)


def _model():
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model, np.ones((8, 3), "float32"), np.ones((8, 1), "float32")


def test_an_implicit_numpy_conversion_in_the_trainer_fails(host_or_strict, monkeypatch):
    original = Trainer.train_step

    def train_step(self, data):
        logs = original(self, data)
        np.asarray(logs["loss"].data)  # the mutation: a device-to-host copy (a GPU sync) every step
        return logs

    monkeypatch.setattr(Trainer, "train_step", train_step)
    model, x, y = _model()
    if host_or_strict.name == "numpy":
        model.fit(x, y, verbose=0)
        return
    with pytest.raises(ImplicitHostTransferError, match=r"numpy\.asarray\(\) / __array__ on a device array "
                                                        r"of the strict backend"):
        model.fit(x, y, verbose=0)


def test_a_host_batch_reaching_a_kernel_fails_with_the_kernels_name(host_or_strict, monkeypatch):
    def to_device(structure):
        # The mutation: a batch wrapped as a Tensor without being moved to the device.
        return data_adapter.map_structure(lambda a: a if a is None else Tensor(np.asarray(a, "float32")),
                                          structure)

    monkeypatch.setattr(data_adapter, "to_device", to_device)
    model, x, y = _model()
    if host_or_strict.name == "numpy":
        model.train_on_batch(x, y)
        return
    with pytest.raises(StrictDeviceError, match=r"kernel 'dense' of the strict-device backend expects a device "
                                                r"array for 'x', received a numpy\.ndarray"):
        model.train_on_batch(x, y)
