"""RandomCrop, RandomFlip, RandomContrast, RandomBrightness, RandomHeight and RandomWidth: the parts
that do not depend on the draws checked exactly against NumPy (a flip is a reversal, a crop a window,
contrast and brightness their formulas for the factor each image got), seeded layers repeating each
other, inference as tf.keras's, config, training in a model, and the errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

from tests.layers.preprocessing.test_image_preprocessing import np_resize

RNG = np.random.default_rng(4)


def _images(*shape):
    return (255 * RNG.random(shape)).astype("float32")


# ---------------------------------------------------------------- RandomFlip
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_is_an_exact_reversal_of_some_images(backend, mode):
    x = _images(64, 3, 4, 2)
    y = layers.RandomFlip(mode, seed=5)(x).numpy()
    candidates = {"horizontal": [x, x[:, :, ::-1]], "vertical": [x, x[:, ::-1]],
                  "horizontal_and_vertical": [x, x[:, :, ::-1], x[:, ::-1], x[:, ::-1, ::-1]]}[mode]
    which = np.full(64, -1)
    for k, c in enumerate(candidates):
        which[np.all(y == c, axis=(1, 2, 3))] = k
    assert (which >= 0).all(), "every image is the input or one of its reversals, exactly"
    assert len(set(which)) == len(candidates), "each outcome happens in a batch of 64"


def test_flip_seeds_repeat_and_inference_is_the_identity(backend):
    x = _images(16, 3, 3, 1)
    a = layers.RandomFlip(seed=9)(x).numpy()
    np.testing.assert_array_equal(layers.RandomFlip(seed=9)(x).numpy(), a)
    assert not np.array_equal(layers.RandomFlip(seed=10)(x).numpy(), a)
    np.testing.assert_array_equal(layers.RandomFlip(seed=9)(x, training=False).numpy(), x)
    # One image of rank 3 works too, flipped whole or not at all.
    one = layers.RandomFlip("horizontal", seed=1)(x[0]).numpy()
    assert np.array_equal(one, x[0]) or np.array_equal(one, x[0][:, ::-1])


def test_flip_inside_a_model_augments_only_in_training(backend):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4, 4, 1)), layers.RandomFlip(seed=3), layers.Flatten(),
                              layers.Dense(1)])
    x = _images(16, 4, 4, 1) / 255
    plain = model.layers[-1](model.layers[-2](x)).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), plain, rtol=1e-6)
    np.testing.assert_allclose(model(x).numpy(), plain, rtol=1e-6)
    assert not np.allclose(model(x, training=True).numpy(), plain)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(x, np.ones((16, 1), "float32"), epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# ---------------------------------------------------------------- RandomCrop
def test_random_crop_is_a_window_and_resizes_at_inference(backend):
    x = _images(3, 6, 7, 2)
    layer = layers.RandomCrop(4, 3, seed=2)
    offsets = set()
    for _ in range(20):
        y = layer(x).numpy()
        assert y.shape == (3, 4, 3, 2)
        hits = [(t, l) for t in range(3) for l in range(5) if np.array_equal(y, x[:, t:t + 4, l:l + 3])]
        assert hits, "the crop is a window of the input, the same one for the whole batch"
        offsets.add(hits[0])
    assert len(offsets) > 3
    np.testing.assert_array_equal(layers.RandomCrop(4, 3, seed=2)(x).numpy(),
                                  layers.RandomCrop(4, 3, seed=2)(x).numpy())
    # Inference: the largest centred crop of aspect 4:3 (6 x 4, from column 1), resized (tf.keras's).
    np.testing.assert_allclose(layer(x, training=False).numpy(), np_resize(x[:, :, 1:5], 4, 3, "bilinear"),
                               rtol=1e-4, atol=2e-3)
    assert layer.compute_output_shape((None, 6, 7, 2)) == (None, 4, 3, 2)
    config = layer.get_config()
    assert (config["height"], config["width"], config["seed"]) == (4, 3, 2)


# ---------------------------------------------------------------- RandomContrast, RandomBrightness
def test_contrast_formula_with_one_factor_per_call(backend):
    x = _images(4, 5, 5, 3) * 0.5 + 60  # values in [60, 188): no clipping for factors in [0.7, 1.3]
    y = layers.RandomContrast((0.3, 0.3), seed=1)(x).numpy().astype("float64")
    mean = x.astype("float64").mean(axis=(1, 2), keepdims=True)
    factor = (y - mean) / (x - mean)
    assert 0.7 <= factor.min() and factor.max() <= 1.3
    np.testing.assert_allclose(factor, factor.flat[0], rtol=1e-3)  # one factor for the whole batch
    np.testing.assert_allclose(y, (x - mean) * factor.flat[0] + mean, rtol=1e-5, atol=1e-3)
    clipped = layers.RandomContrast(0.0)(np.array([[[[300.0], [-5.0]]]], "float32")).numpy()
    np.testing.assert_array_equal(clipped, [[[[255.0], [0.0]]]])  # factor 1, then tf.keras's clip to [0, 255]
    np.testing.assert_array_equal(layers.RandomContrast(0.5)(x, training=False).numpy(), x)


def test_brightness_adds_one_delta_per_image(backend):
    x = _images(32, 3, 3, 3) * 0.5 + 60
    layer = layers.RandomBrightness(0.2, seed=4)
    delta = layer(x).numpy().astype("float64") - x
    per_image = delta[:, :1, :1, :1]
    np.testing.assert_allclose(delta, np.broadcast_to(per_image, delta.shape), atol=1e-4)
    assert np.abs(per_image).max() <= 0.2 * 255 + 1e-3 and per_image.std() > 1
    y = layers.RandomBrightness((0.5, 0.5), value_range=(0, 1))(np.full((1, 2, 2, 1), 0.8, "float32")).numpy()
    np.testing.assert_array_equal(y, 1.0)  # +0.5 then clipped to the value range
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    config = layer.get_config()
    assert config["factor"] == [-0.2, 0.2] and config["value_range"] == [0, 255] and config["seed"] == 4
    again = layers.RandomBrightness.from_config(config)
    np.testing.assert_array_equal(again(x).numpy(), layers.RandomBrightness(0.2, seed=4)(x).numpy())


# ---------------------------------------------------------------- RandomHeight, RandomWidth
@pytest.mark.parametrize("cls, axis", [(layers.RandomHeight, 1), (layers.RandomWidth, 2)])
def test_random_side_resizes_one_side(backend, cls, axis):
    x = _images(2, 10, 12, 3)
    layer = cls((-0.5, 0.3), seed=6)
    sizes = set()
    for _ in range(10):
        y = layer(x).numpy()
        n = y.shape[axis]
        assert int(0.5 * x.shape[axis]) <= n <= int(1.3 * x.shape[axis])
        other = (n, 12) if axis == 1 else (10, n)
        np.testing.assert_allclose(y, np_resize(x, *other, "bilinear"), rtol=1e-4, atol=2e-3)
        sizes.add(n)
    assert len(sizes) > 2
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    shape = [None, 10, 12, 3]
    shape[axis] = None
    assert layer.compute_output_shape((None, 10, 12, 3)) == tuple(shape)
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()


# ---------------------------------------------------------------- configs and errors
@pytest.mark.parametrize("cls, kwargs", [(layers.RandomFlip, {"mode": "vertical", "seed": 1}),
                                         (layers.RandomContrast, {"factor": (0.1, 0.4), "seed": 2}),
                                         (layers.RandomCrop, {"height": 2, "width": 3}),
                                         (layers.RandomHeight, {"factor": 0.2, "interpolation": "nearest"})])
def test_config_round_trip(cls, kwargs):
    layer = cls(**kwargs)
    config = layer.get_config()
    for key, value in kwargs.items():
        assert config[key] == value
    assert layers.deserialize(layers.serialize(layer)).get_config() == config


def test_errors():
    with pytest.raises(ValueError, match=r"RandomFlip layer received an unknown mode argument 'diagonal'"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match=r"`factor` argument cannot have negative values or values greater than 1. "
                                         r"Received: factor=-0.1"):
        layers.RandomContrast(-0.1)
    with pytest.raises(ValueError, match=r"The `factor` argument should be a number \(or a list of two numbers\) in "
                                         r"the range \[-1.0, 1.0\]. Got 1.5"):
        layers.RandomBrightness(1.5)
    with pytest.raises(ValueError, match=r"The `value_range` argument should be a list of two numbers. Got 255"):
        layers.RandomBrightness(0.1, value_range=255)
    with pytest.raises(ValueError, match=r"`factor` argument must have values larger than -1. Received: "
                                         r"factor=\(-1.5, 0.2\)"):
        layers.RandomHeight((-1.5, 0.2))
    with pytest.raises(ValueError, match=r"`factor` argument cannot have an upper bound less than the lower bound. "
                                         r"Received: factor=\(0.3, 0.1\)"):
        layers.RandomWidth((0.3, 0.1))
    with pytest.raises(ValueError, match=r"Value not recognized for `interpolation` of RandomWidth"):
        layers.RandomWidth(0.1, interpolation="linear")
    with pytest.raises(ValueError, match=r"`height` of RandomCrop must be a positive integer. Received: height=-2"):
        layers.RandomCrop(-2, 2)
    with pytest.raises(ValueError, match=r'Layer "random_flip(_\d+)?" \(RandomFlip\) expects images of shape'):
        layers.RandomFlip()(np.zeros((2, 3), "float32"))
