"""GroupNormalization and UnitNormalization (kerasx/layers/normalization.py) against NumPy formulas of
tf.keras 2.x's: outputs for several groupings and axes, masks, weights, config, h5 files, training and
the errors."""
import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)


def _np_group_norm(x, groups, axis, epsilon=1e-3, gamma=None, beta=None, mask=None):
    x = x.astype("float64")
    axis = axis % x.ndim
    moved = np.moveaxis(x, axis, -1)
    shape = moved.shape
    g = moved.reshape(shape[:-1] + (groups, shape[-1] // groups))
    w = np.ones_like(g) if mask is None else \
        np.moveaxis(np.broadcast_to(mask, x.shape).astype("float64"), axis, -1).reshape(g.shape)
    reduce = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = (w * g).sum(reduce, keepdims=True) / w.sum(reduce, keepdims=True)
    var = (w * (g - mean) ** 2).sum(reduce, keepdims=True) / w.sum(reduce, keepdims=True)
    y = ((g - mean) / np.sqrt(var + epsilon)).reshape(shape)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return np.moveaxis(y, -1, axis)


@pytest.mark.parametrize("shape, groups, axis", [((3, 8), 4, -1), ((2, 5, 6), 3, -1), ((2, 6, 3, 4), 2, 1),
                                                  ((2, 3, 4, 6), -1, -1), ((2, 4, 3), 1, -1)])
def test_group_normalization_matches_numpy(backend, shape, groups, axis):
    x = (1.0 + 2.0 * RNG.standard_normal(shape)).astype("float32")
    channels = shape[axis]
    gamma_init = keras.initializers.RandomNormal(1.0, 0.3, seed=1)
    beta_init = keras.initializers.RandomNormal(0.0, 0.3, seed=2)
    layer, _ = layer_test(
        layers.GroupNormalization,
        kwargs={"groups": groups, "axis": axis, "gamma_initializer": gamma_init, "beta_initializer": beta_init},
        input_data=x, expected_weights=[("gamma", (channels,)), ("beta", (channels,))],
        reference_fn=lambda x, w: _np_group_norm(x, channels if groups == -1 else groups, axis, 1e-3,
                                                 w[0], w[1]),
        rtol=1e-4, atol=1e-5)
    assert layer.groups == (channels if groups == -1 else groups)


def test_group_normalization_without_scale_and_center_and_with_a_mask(backend):
    x = RNG.standard_normal((2, 5, 4)).astype("float32")
    layer = layers.GroupNormalization(groups=2, center=False, scale=False, epsilon=0.01)
    np.testing.assert_allclose(layer(x).numpy(), _np_group_norm(x, 2, -1, 0.01), rtol=1e-4, atol=1e-5)
    assert layer.weights == []
    mask = (RNG.random((2, 5, 4)) > 0.3)
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), _np_group_norm(x, 2, -1, 0.01, mask=mask),
                               rtol=1e-4, atol=1e-5)


def test_group_normalization_defaults_config_and_errors():
    config = layers.GroupNormalization().get_config()
    assert (config["groups"], config["axis"], config["epsilon"], config["center"], config["scale"]) == \
        (32, -1, 1e-3, True, True)
    assert config["gamma_initializer"]["class_name"] == "Ones"
    with pytest.raises(ValueError, match=r"Number of groups \(32\) cannot be more than the number of channels "
                                         r"\(8\)"):
        layers.GroupNormalization()(np.zeros((2, 8), "float32"))
    with pytest.raises(ValueError, match=r"Number of groups \(3\) must be a multiple of the number of channels "
                                         r"\(8\)"):
        layers.GroupNormalization(groups=3)(np.zeros((2, 8), "float32"))
    with pytest.raises(ValueError, match=r"`groups` of GroupNormalization must be a positive integer .* "
                                         r"Received: groups=0"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(TypeError, match=r"`axis` of GroupNormalization must be an int. Received: axis=\[1\]"):
        layers.GroupNormalization(axis=[1])
    with pytest.raises(ValueError, match=r"Invalid value for `axis` argument"):
        layers.GroupNormalization(groups=2, axis=3)(np.zeros((2, 8), "float32"))


def test_group_normalization_h5_round_trip_and_fit(backend, tmp_path):
    model = keras.Sequential([keras.Input((6, 4)), layers.GroupNormalization(groups=2), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = RNG.standard_normal((16, 6, 4)).astype("float32"), RNG.standard_normal((16, 1)).astype("float32")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "gn.h5")
    with h5py.File(tmp_path / "gn.h5", "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights/group_normalization"].attrs["weight_names"]]
    assert names == ["group_normalization/gamma:0", "group_normalization/beta:0"]
    loaded = keras.models.load_model(tmp_path / "gn.h5")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_matches_numpy(backend, axis):
    x = RNG.standard_normal((3, 4, 5)).astype("float32")
    axes = tuple(axis) if isinstance(axis, list) else axis

    def reference(x, _):
        x = x.astype("float64")
        return x / np.sqrt(np.maximum((x ** 2).sum(axes, keepdims=True), 1e-12))

    layer, y = layer_test(layers.UnitNormalization, kwargs={"axis": axis}, input_data=x, reference_fn=reference,
                          expected_weights=[])
    assert layer.get_config()["axis"] == axis
    np.testing.assert_allclose((y.astype("float64") ** 2).sum(axes), 1.0, rtol=1e-5)


def test_unit_normalization_of_zeros_and_errors(backend):
    np.testing.assert_array_equal(layers.UnitNormalization()(np.zeros((2, 3), "float32")).numpy(), 0.0)
    with pytest.raises(TypeError, match=r"Invalid value for `axis` argument: expected an int or a list/tuple of "
                                        r"ints. Received: axis=1.5"):
        layers.UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match=r'Invalid value for `axis` argument of layer "unit_normalization(_\d+)?" '
                                         r"\(UnitNormalization\)"):
        layers.UnitNormalization(axis=2)(np.zeros((2, 3), "float32"))
