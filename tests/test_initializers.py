import json
import math

import numpy as np
import pytest

from kerasx import initializers
from kerasx.utils import set_random_seed

SHAPE = (300, 200)


def _np(init, shape=SHAPE, dtype=None):
    t = init(shape, dtype=dtype)
    return t.numpy()


@pytest.mark.parametrize("init, mean, std", [
    (initializers.RandomNormal(mean=1.0, stddev=0.5), 1.0, 0.5),
    (initializers.RandomUniform(minval=-1.0, maxval=3.0), 1.0, 4 / math.sqrt(12)),
    # A normal truncated at two standard deviations keeps 0.8796 of its stddev.
    (initializers.TruncatedNormal(mean=0.0, stddev=2.0), 0.0, 2.0 * 0.87962566103423978),
    (initializers.GlorotUniform(), 0.0, math.sqrt(2.0 / (300 + 200))),
    (initializers.GlorotNormal(), 0.0, math.sqrt(2.0 / (300 + 200))),
    (initializers.HeNormal(), 0.0, math.sqrt(2.0 / 300)),
    (initializers.HeUniform(), 0.0, math.sqrt(2.0 / 300)),
    (initializers.LecunNormal(), 0.0, math.sqrt(1.0 / 300)),
    (initializers.LecunUniform(), 0.0, math.sqrt(1.0 / 300)),
    (initializers.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal"), 0.0,
     math.sqrt(3.0 / 200)),
])
def test_statistics(backend, init, mean, std):
    set_random_seed(1)
    x = _np(init)
    assert x.dtype == np.float32 and x.shape == SHAPE
    assert abs(x.mean() - mean) < 0.02 * max(std, 1.0) + 3 * std / math.sqrt(x.size)
    assert abs(x.std() - std) < 0.02 * std


def test_truncated_normal_stays_within_two_stddev(backend):
    x = _np(initializers.TruncatedNormal(mean=1.0, stddev=0.1))
    assert x.min() >= 0.8 - 1e-6 and x.max() <= 1.2 + 1e-6


def test_uniform_bounds(backend):
    x = _np(initializers.GlorotUniform())
    limit = math.sqrt(6.0 / 500)
    assert x.min() >= -limit and x.max() <= limit and x.max() > 0.95 * limit


def test_conv_kernel_fans(backend):
    # HWIO kernel (3, 3, 16, 32): fan_in = 3*3*16 = 144, fan_out = 3*3*32 = 288.
    shape = (3, 3, 16, 32)
    x = _np(initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=1), shape)
    assert abs(x.max()) <= math.sqrt(3.0 / 144) and x.max() > 0.95 * math.sqrt(3.0 / 144)
    x = _np(initializers.VarianceScaling(mode="fan_out", distribution="uniform", seed=1), shape)
    assert x.max() <= math.sqrt(3.0 / 288) and x.max() > 0.95 * math.sqrt(3.0 / 288)
    x = _np(initializers.GlorotUniform(seed=2), shape)
    assert x.max() <= math.sqrt(6.0 / (144 + 288)) and x.max() > 0.95 * math.sqrt(6.0 / (144 + 288))


def test_fans_of_small_shapes(backend):
    # Scalars and vectors: fan_in = fan_out = 1 or the length, as tf.keras.
    limit = math.sqrt(3.0 / 7)
    x = _np(initializers.LecunUniform(seed=0), (7,))
    assert np.all(np.abs(x) <= limit)
    assert _np(initializers.LecunUniform(seed=0), ()).shape == ()


def test_seeded_initializer_repeats_unseeded_does_not(backend):
    seeded = initializers.HeNormal(seed=5)
    np.testing.assert_array_equal(_np(seeded), _np(seeded))
    np.testing.assert_array_equal(_np(seeded), _np(initializers.HeNormal(seed=5)))
    assert not np.array_equal(_np(seeded), _np(initializers.HeNormal(seed=6)))
    unseeded = initializers.HeNormal()
    assert not np.array_equal(_np(unseeded), _np(unseeded))


def test_set_random_seed_makes_unseeded_draws_reproducible(backend):
    set_random_seed(11)
    a = [_np(initializers.RandomNormal()), _np(initializers.GlorotUniform())]
    set_random_seed(11)
    b = [_np(initializers.RandomNormal()), _np(initializers.GlorotUniform())]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (10, 3), (3, 3, 4, 8)])
def test_orthogonal(backend, shape):
    x = _np(initializers.Orthogonal(gain=2.0, seed=1), shape).astype("float64")
    flat = x.reshape(-1, shape[-1])
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_needs_2d():
    with pytest.raises(ValueError, match=r"must be at least two-dimensional. Received: shape=\(5,\) of rank 1"):
        initializers.Orthogonal()((5,))


def test_identity(backend):
    np.testing.assert_array_equal(_np(initializers.Identity(gain=3.0), (2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="Identity matrix initializer can only be used for 2D matrices"):
        initializers.Identity()((2, 2, 2))


def test_constants(backend):
    np.testing.assert_array_equal(_np(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(_np(initializers.Ones(), (2,)), np.ones(2))
    np.testing.assert_array_equal(_np(initializers.constant(2.5), (2, 2)), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(_np(initializers.Constant([1, 2, 3, 4]), (2, 2)), [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="has 3 elements, but got `shape` \\(2, 2\\) with 4 elements"):
        initializers.Constant([1, 2, 3])((2, 2))


def test_dtypes(backend):
    assert initializers.GlorotUniform()((2, 2), dtype="float64").dtype == "float64"
    assert initializers.Zeros()((2,), dtype="int32").dtype == "int32"
    x = initializers.RandomUniform(0, 10, seed=1)((50,), dtype="int64")
    assert x.dtype == "int64" and x.numpy().min() >= 0 and x.numpy().max() < 10
    with pytest.raises(ValueError, match="Expected floating point type, got int32"):
        initializers.RandomNormal()((2,), dtype="int32")


def test_unknown_call_kwarg():
    with pytest.raises(TypeError, match="Unknown keyword arguments"):
        initializers.Zeros()((2,), partition_info=None)


def test_lowercase_aliases_are_the_classes():
    assert initializers.constant(2.0).value == 2.0
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.he_normal is initializers.HeNormal
    assert initializers.random_normal is initializers.RandomNormal
    assert initializers.zeros is initializers.Zeros


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(1.5),
    initializers.RandomNormal(0.1, 0.2, seed=3), initializers.RandomUniform(-1, 1, seed=4),
    initializers.TruncatedNormal(seed=1), initializers.VarianceScaling(2.0, "fan_avg", "uniform", 9),
    initializers.GlorotUniform(seed=1), initializers.GlorotNormal(), initializers.HeNormal(seed=2),
    initializers.HeUniform(), initializers.LecunNormal(), initializers.LecunUniform(),
    initializers.Orthogonal(1.5, seed=3), initializers.Identity(2.0),
])
def test_config_round_trip(backend, init):
    config = json.loads(json.dumps(initializers.serialize(init)))
    assert config["class_name"] == type(init).__name__
    again = initializers.deserialize(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    if getattr(init, "seed", 0) is not None:
        np.testing.assert_array_equal(_np(init, (4, 4)), _np(again, (4, 4)))


def test_keras_config_keys():
    assert initializers.serialize(initializers.GlorotUniform()) == \
        {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert initializers.VarianceScaling().get_config() == \
        {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.Orthogonal().get_config() == {"gain": 1.0, "seed": None}


def test_get():
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("HeNormal"), initializers.HeNormal)
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    init = initializers.Zeros()
    assert initializers.get(init) is init
    assert initializers.get(None) is None
    fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    assert isinstance(initializers.get({"class_name": "Constant", "config": {"value": 3}}),
                      initializers.Constant)


def test_get_errors():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'\. Please ensure"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)


def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match=r"`scale` must be positive float. Received: scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: gamma"):
        initializers.VarianceScaling(distribution="gamma")
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
