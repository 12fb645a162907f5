import numpy as np
import pytest

from kerasx import GradientTape, layers, ops
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(3)

ALPHA_P = -1.6732632423543772 * 1.0507009873554805


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


NOISE_LAYERS = [
    (layers.GaussianNoise, {"stddev": 0.5}, (3, 4)),
    (layers.GaussianDropout, {"rate": 0.3}, (3, 4)),
    (layers.AlphaDropout, {"rate": 0.2}, (3, 4)),
    (layers.SpatialDropout1D, {"rate": 0.5}, (2, 3, 4)),
    (layers.SpatialDropout2D, {"rate": 0.5}, (2, 3, 3, 4)),
    (layers.SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}, (2, 4, 3, 3)),
    (layers.SpatialDropout3D, {"rate": 0.5}, (2, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("cls, kwargs, shape", NOISE_LAYERS)
def test_noise_layers_are_identity_at_inference(backend, cls, kwargs, shape):
    x = _x(*shape)
    layer_test(cls, kwargs, x, expected_output=x, expected_weights=[], rtol=0, atol=0)
    np.testing.assert_array_equal(cls(**kwargs)(x, training=False).numpy(), x)
    np.testing.assert_array_equal(cls(**kwargs)(x).numpy(), x)  # no training flag: inference


@pytest.mark.parametrize("cls, kwargs, shape", NOISE_LAYERS)
def test_noise_layers_change_the_input_in_training(backend, cls, kwargs, shape):
    x = _x(*shape)
    y = cls(**kwargs)(x, training=True)
    assert y.dtype == "float32" and y.shape == x.shape
    assert not np.array_equal(y.numpy(), x)


def test_gaussian_noise_statistics(backend):
    x = np.full((200, 500), 3.0, "float32")
    noise = layers.GaussianNoise(0.4)(x, training=True).numpy() - 3.0
    assert abs(noise.mean()) < 0.004 and abs(noise.std() - 0.4) < 0.004


def test_gaussian_dropout_statistics(backend):
    x = np.full((200, 500), 2.0, "float32")
    factor = layers.GaussianDropout(0.2)(x, training=True).numpy() / 2.0
    assert abs(factor.mean() - 1.0) < 0.006 and abs(factor.var() - 0.2 / 0.8) < 0.006


def test_alpha_dropout_values_and_self_normalization(backend):
    x = RNG.standard_normal((400, 500)).astype("float32")
    rate = 0.25
    y = layers.AlphaDropout(rate)(x, training=True).numpy()
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    kept = np.isclose(y, a * x + b, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(y, a * ALPHA_P + b, rtol=1e-5, atol=1e-6)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - rate) < 0.005
    # Zero-mean, unit-variance inputs keep their mean and variance.
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.01


def test_alpha_dropout_noise_shape_shares_draws(backend):
    x = np.ones((6, 50, 3), "float32")
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1, 3))(x, training=True).numpy()
    assert np.all(y == y[:, :1, :])


@pytest.mark.parametrize("cls, shape, data_format, channel_axis", [
    (layers.SpatialDropout1D, (40, 30, 8), None, 2),
    (layers.SpatialDropout2D, (40, 5, 6, 8), None, 3),
    (layers.SpatialDropout2D, (40, 8, 5, 6), "channels_first", 1),
    (layers.SpatialDropout3D, (40, 3, 4, 2, 8), "channels_last", 4),
    (layers.SpatialDropout3D, (40, 8, 3, 4, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels(backend, cls, shape, data_format, channel_axis):
    x = np.ones(shape, "float32")
    kwargs = {} if data_format is None else {"data_format": data_format}
    y = cls(0.4, **kwargs)(x, training=True).numpy()
    maps = np.moveaxis(y, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    first = maps[:, :, :1]
    assert np.all(maps == first), "a feature map was partly dropped"
    np.testing.assert_allclose(np.unique(first), [0.0, 1 / 0.6], rtol=1e-6)
    assert abs((first == 0).mean() - 0.4) < 0.1


def test_noise_gradient_flows_through_the_input_only(backend):
    x = as_tensor(_x(20, 10))
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.GaussianDropout(0.3)(x, training=True)
        total = ops.sum(y)
    # d/dx of x * noise is the noise itself: y / x.
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), y.numpy() / x.numpy(), rtol=1e-4)
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layers.GaussianNoise(1.0)(x, training=True))
    np.testing.assert_array_equal(tape.gradient(total, x).numpy(), np.ones((20, 10)))


def test_noise_inside_fit_and_predict(backend):
    from kerasx import Sequential
    x = _x(32, 4)
    model = Sequential([layers.GaussianNoise(0.1, input_shape=(4,)), layers.Dense(2),
                        layers.AlphaDropout(0.1), layers.GaussianDropout(0.1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 2), "float32"), epochs=1, batch_size=8, verbose=0)
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_configs():
    assert layers.GaussianNoise(0.2, seed=1).get_config() == {
        "name": "gaussian_noise", "trainable": True, "dtype": "float32", "stddev": 0.2, "seed": 1}
    assert layers.GaussianDropout(0.3).get_config() == {
        "name": "gaussian_dropout", "trainable": True, "dtype": "float32", "rate": 0.3, "seed": None}
    assert layers.AlphaDropout(0.1, seed=2).get_config() == {
        "name": "alpha_dropout", "trainable": True, "dtype": "float32", "rate": 0.1, "seed": 2}
    assert layers.SpatialDropout1D(0.2).get_config() == {
        "name": "spatial_dropout1d", "trainable": True, "dtype": "float32", "rate": 0.2, "noise_shape": None,
        "seed": None}
    config = layers.SpatialDropout2D(0.2, data_format="channels_first").get_config()
    assert config["data_format"] == "channels_first"
    assert layers.SpatialDropout2D.from_config(config).data_format == "channels_first"


@pytest.mark.parametrize("cls", [layers.GaussianDropout, layers.AlphaDropout, layers.SpatialDropout2D])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 2])
def test_bad_rate(cls, rate):
    with pytest.raises(ValueError, match=rf"Invalid value {rate} received for `rate`.*expected a value between "
                                         r"0 and 1 \(1 excluded\)"):
        cls(rate)


def test_bad_stddev_and_data_format():
    with pytest.raises(ValueError, match=r"Invalid value -1 received for `stddev` of GaussianNoise, expected a "
                                         "non-negative value"):
        layers.GaussianNoise(-1)
    with pytest.raises(ValueError, match='must be one of "channels_first", "channels_last". Received: nchw'):
        layers.SpatialDropout3D(0.5, data_format="nchw")


@pytest.mark.parametrize("cls, rank", [(layers.SpatialDropout1D, 3), (layers.SpatialDropout2D, 4),
                                       (layers.SpatialDropout3D, 5)])
def test_spatial_dropout_wrong_rank_message(backend, cls, rank):
    layer = cls(0.5)
    with pytest.raises(ValueError, match=rf'Input 0 of layer "{layer.name}" \({cls.__name__}\) is incompatible: '
                                         rf"expected ndim={rank}, found ndim=2\. Full shape received: \(2, 3\)"):
        layer(_x(2, 3), training=True)
