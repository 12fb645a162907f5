"""RandomRotation, RandomTranslation, RandomZoom and their `transform` (ImageProjectiveTransformV3
composed from primitives) against a pixel-by-pixel NumPy transcription of TensorFlow's kernel, for
each fill mode and interpolation, with fixed draws (a range of one value); zero ranges are the
identity; seeds, inference, config, gradients, training and the errors."""
import math

import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing.image_transform import transform

RNG = np.random.default_rng(17)


def _map(coord, size, mode):
    """TensorFlow's MapCoordinate for one coordinate."""
    if mode == "reflect":
        if coord < 0:
            if size <= 1:
                return 0.0
            sz2 = 2 * size
            coord = sz2 * int(-coord / sz2) + coord
            coord = coord + sz2 if coord < -size else -coord - 1
        elif coord > size - 1:
            if size <= 1:
                return 0.0
            sz2 = 2 * size
            coord -= sz2 * int(coord / sz2)
            if coord >= size:
                coord = sz2 - coord - 1
        return min(max(coord, 0.0), size - 1.0)
    if mode == "wrap":
        if coord < 0:
            if size <= 1:
                return 0.0
            coord += size * (int(-coord / (size - 1)) + 1)
        elif coord > size - 1:
            if size <= 1:
                return 0.0
            coord -= size * int(coord / (size - 1))
        return min(max(coord, 0.0), size - 1.0)
    if mode == "nearest":
        return min(max(coord, 0.0), size - 1.0)
    return coord  # constant


def np_transform(images, transforms, fill_mode, fill_value, interpolation):
    b, h, w, c = images.shape
    out = np.zeros(images.shape)

    def read(n, y, x):
        return images[n, y, x] if 0 <= y < h and 0 <= x < w else np.full(c, fill_value)

    for n in range(b):
        a0, a1, a2, b0, b1, b2, c0, c1 = transforms[n]
        for y in range(h):
            for x in range(w):
                k = c0 * x + c1 * y + 1.0
                if k == 0:
                    out[n, y, x] = fill_value
                    continue
                xi = _map((a0 * x + a1 * y + a2) / k, w, fill_mode)
                yi = _map((b0 * x + b1 * y + b2) / k, h, fill_mode)
                if interpolation == "nearest":
                    rx = int(math.copysign(math.floor(abs(xi) + 0.5), xi))
                    ry = int(math.copysign(math.floor(abs(yi) + 0.5), yi))
                    out[n, y, x] = read(n, ry, rx)
                else:
                    x0, y0 = math.floor(xi), math.floor(yi)
                    top = (x0 + 1 - xi) * read(n, y0, x0) + (xi - x0) * read(n, y0, x0 + 1)
                    bottom = (x0 + 1 - xi) * read(n, y0 + 1, x0) + (xi - x0) * read(n, y0 + 1, x0 + 1)
                    out[n, y, x] = (y0 + 1 - yi) * top + (yi - y0) * bottom
    return out


def _np_rotation(angle, h, w):
    cos, sin = math.cos(angle), math.sin(angle)
    x_off = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2
    y_off = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2
    return [cos, -sin, x_off, sin, cos, y_off, 0.0, 0.0]


def _images(*shape):
    return (255 * RNG.random(shape)).astype("float32")


MODES = ["reflect", "wrap", "constant", "nearest"]


@pytest.mark.parametrize("fill_mode", MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_matches_tensorflows_kernel(backend, fill_mode, interpolation):
    x = _images(1, 5, 7, 2)
    factor = 0.11  # about 40 degrees: corners map outside the image, so the fill mode matters
    layer = layers.RandomRotation((factor, factor), fill_mode=fill_mode, interpolation=interpolation,
                                  fill_value=7.0)
    want = np_transform(x, [_np_rotation(factor * 2 * math.pi, 5, 7)], fill_mode, 7.0, interpolation)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize("fill_mode", MODES)
def test_translation_and_zoom_match_tensorflows_kernel(backend, fill_mode):
    x = _images(2, 6, 5, 1)
    shift = layers.RandomTranslation((0.3, 0.3), (-0.45, -0.45), fill_mode=fill_mode)
    dy, dx = 0.3 * 6, -0.45 * 5
    want = np_transform(x, [[1, 0, -dx, 0, 1, -dy, 0, 0]] * 2, fill_mode, 0.0, "bilinear")
    np.testing.assert_allclose(shift(x).numpy(), want, rtol=1e-4, atol=1e-2)
    zoom = layers.RandomZoom((0.4, 0.4), (-0.3, -0.3), fill_mode=fill_mode, interpolation="nearest")
    zx, zy = 0.7, 1.4
    matrix = [zx, 0, (5 - 1) / 2 * (1 - zx), 0, zy, (6 - 1) / 2 * (1 - zy), 0, 0]
    np.testing.assert_allclose(zoom(x).numpy(), np_transform(x, [matrix] * 2, fill_mode, 0.0, "nearest"),
                               rtol=1e-5, atol=1e-3)


def test_integer_translation_is_a_shift(backend):
    x = _images(1, 4, 4, 1)
    y = layers.RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant", interpolation="nearest")(x)
    want = np.zeros_like(x)
    want[:, 1:] = x[:, :-1]  # down by one row, zeros above
    np.testing.assert_array_equal(y.numpy(), want)


def test_projective_transform_and_a_degenerate_projection(backend):
    x = _images(1, 4, 5, 3)
    matrix = [[1.1, 0.2, -0.5, -0.1, 0.9, 0.3, 0.05, -0.02]]
    np.testing.assert_allclose(transform(x, matrix, "reflect", 0.0, "bilinear").numpy(),
                               np_transform(x, matrix, "reflect", 0.0, "bilinear"), rtol=1e-4, atol=1e-2)
    zero_k = [[1, 0, 0, 0, 1, 0, 0.0, -1.0]]  # k = 1 - y is 0 on row 1: the fill value there
    y = transform(x, zero_k, "constant", 3.0, "nearest").numpy()
    np.testing.assert_array_equal(y[0, 1], 3.0)


@pytest.mark.parametrize("layer", [lambda: layers.RandomRotation(0.0), lambda: layers.RandomTranslation(0.0, 0.0),
                                   lambda: layers.RandomZoom(0.0, 0.0), lambda: layers.RandomZoom(0.0)])
def test_zero_ranges_are_the_identity(backend, layer):
    x = _images(3, 5, 6, 2)
    np.testing.assert_allclose(layer()(x).numpy(), x, rtol=1e-6, atol=1e-4)


def test_seeds_repeat_inference_is_identity_and_gradients_flow(backend):
    x = _images(4, 5, 5, 1)
    a = layers.RandomRotation(0.2, seed=3)(x).numpy()
    np.testing.assert_array_equal(layers.RandomRotation(0.2, seed=3)(x).numpy(), a)
    assert not np.allclose(layers.RandomRotation(0.2, seed=4)(x).numpy(), a)
    for layer in (layers.RandomRotation(0.3), layers.RandomTranslation(0.2, 0.2), layers.RandomZoom(0.3)):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    one = layers.RandomZoom((0.5, 0.5), seed=1)(x[0])
    assert tuple(one.shape) == (5, 5, 1)
    xt = as_tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        loss = keras.ops.sum(layers.RandomZoom((0.5, 0.5))(xt))
    g = tape.gradient(loss, xt).numpy()
    # Zooming out by 1.5 with 'reflect': every output pixel is a convex mix of input pixels.
    np.testing.assert_allclose(g.sum(), 4 * 25, rtol=1e-4)


def test_training_a_model_with_augmentation(backend):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.RandomRotation(0.05, seed=1),
                              layers.RandomTranslation(0.1, 0.1, seed=2), layers.RandomZoom(0.1, seed=3),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x = _images(16, 6, 6, 1) / 255
    history = model.fit(x, np.ones((16, 1), "float32"), epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    config = model.layers[1].get_config()
    assert (config["height_factor"], config["width_factor"], config["fill_mode"], config["interpolation"],
            config["fill_value"], config["seed"]) == (0.1, 0.1, "reflect", "bilinear", 0.0, 2)
    again = keras.Sequential.from_config(model.get_config())
    assert again.layers[0].get_config() == model.layers[0].get_config()


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown `fill_mode` mirror. Only `reflect`, `wrap`, `constant` "
                                                  r"and `nearest` are supported."):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"Unknown `interpolation` bicubic. Only `nearest` and `bilinear`"):
        layers.RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"`factor` argument cannot have a negative value. Received: "
                                         r"factor=\(0.2, 0.1\)"):
        layers.RandomRotation((0.2, 0.1))
    with pytest.raises(ValueError, match=r"`height_factor` argument must have values between \[-1, 1\]. "
                                         r"Received: height_factor=1.5"):
        layers.RandomTranslation(1.5, 0.1)
    with pytest.raises(ValueError, match=r"`width_factor` cannot have upper bound less than lower bound, got "
                                         r"\(0.3, -0.3\)"):
        layers.RandomTranslation(0.1, (0.3, -0.3))
    with pytest.raises(ValueError, match=r"`width_factor` argument must have values larger than -1. Received: "
                                         r"width_factor=\(-2, 0\)"):
        layers.RandomZoom(0.1, (-2, 0))
