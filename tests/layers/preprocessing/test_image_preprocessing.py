"""Resizing, Rescaling and CenterCrop (kerasx/layers/preprocessing/image_preprocessing.py and
kerasx/ops/image_resize.py) against NumPy formulas of tf.image.resize's half-pixel kernels written pixel by pixel,
values TensorFlow gives, config, gradients, a model that trains, and the errors."""
import math

import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(21)


# ---------------------------------------------------------------- NumPy references, one output pixel at a time
def _taps_bilinear(n_in, n_out, i):
    src = (i + 0.5) * n_in / n_out - 0.5
    lo = math.floor(src)
    frac = src - lo
    return [(min(max(lo, 0), n_in - 1), 1 - frac), (min(max(lo + 1, 0), n_in - 1), frac)]


def _taps_nearest(n_in, n_out, i):
    return [(min(math.floor((i + 0.5) * n_in / n_out), n_in - 1), 1.0)]


def _keys(d, a=-0.5):
    d = abs(d)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    if d < 2:
        return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a
    return 0.0


def _taps_bicubic(n_in, n_out, i):
    src = (i + 0.5) * n_in / n_out - 0.5
    base = math.floor(src)
    frac = round((src - base) * 1024) / 1024  # TensorFlow reads the cubic weights from a 1/1024 table
    taps = [(j, _keys(frac - (j - base))) for j in range(base - 1, base + 3) if 0 <= j < n_in]
    total = sum(w for _, w in taps)
    return [(j, w / total) for j, w in taps]


def _taps_area(n_in, n_out, i):
    scale = n_in / n_out
    lo, hi = i * scale, (i + 1) * scale
    return [(min(j, n_in - 1), (min(j + 1, hi) - max(j, lo)) / scale)
            for j in range(math.floor(lo), math.ceil(hi))]


TAPS = {"bilinear": _taps_bilinear, "nearest": _taps_nearest, "bicubic": _taps_bicubic, "area": _taps_area}


def np_resize(x, height, width, method):
    x = x.astype("float64")
    out = np.zeros(x.shape[:-3] + (height, width, x.shape[-1]))
    taps = TAPS[method]
    for i in range(height):
        for j in range(width):
            for r, wr in taps(x.shape[-3], height, i):
                for c, wc in taps(x.shape[-2], width, j):
                    out[..., i, j, :] += wr * wc * x[..., r, c, :]
    return out


def _images(*shape):
    return (255 * RNG.random(shape)).astype("float32")


# ---------------------------------------------------------------- Resizing
def test_values_tensorflow_gives():
    row = np.array([0.0, 1.0], "float32").reshape(1, 1, 2, 1)
    up = layers.Resizing(1, 4)(row).numpy().ravel()
    np.testing.assert_allclose(up, [0.0, 0.25, 0.75, 1.0])  # tf.image.resize bilinear, half-pixel centers
    four = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    np.testing.assert_array_equal(layers.Resizing(1, 2, "nearest")(four).numpy().ravel(), [1.0, 3.0])
    np.testing.assert_allclose(layers.Resizing(1, 2, "area")(four).numpy().ravel(), [0.5, 2.5])
    np.testing.assert_allclose(layers.Resizing(1, 2, "bilinear")(four).numpy().ravel(), [0.5, 2.5])


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area"])
@pytest.mark.parametrize("shape, size", [((2, 5, 7, 3), (3, 4)), ((1, 4, 3, 2), (9, 7)), ((2, 6, 6, 1), (4, 9))])
def test_resizing_matches_numpy(backend, method, shape, size):
    x = _images(*shape)
    layer, _ = layer_test(layers.Resizing, kwargs={"height": size[0], "width": size[1], "interpolation": method},
                          input_data=x, reference_fn=lambda x, w: np_resize(x, *size, method),
                          expected_weights=[], rtol=1e-4, atol=2e-3, check_training=method != "nearest")
    assert layer.compute_output_shape((None, 10, 10, 3)) == (None,) + size + (3,)


def test_nearest_copies_values_and_unbatched_images(backend):
    x = _images(6, 5, 2)
    y = layers.Resizing(4, 8, "nearest")(x).numpy()
    np.testing.assert_array_equal(y, np_resize(x, 4, 8, "nearest").astype("float32"))
    assert y.shape == (4, 8, 2)


@pytest.mark.parametrize("shape, size", [((2, 6, 8, 3), (3, 3)), ((1, 9, 4, 1), (4, 6)), ((1, 5, 5, 2), (5, 5))])
def test_crop_to_aspect_ratio(backend, shape, size):
    x = _images(*shape)
    h, w = shape[1:3]
    crop_h, crop_w = min(h, int(w * size[0] / size[1])), min(w, int(h * size[1] / size[0]))
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    want = np_resize(x[:, top:top + crop_h, left:left + crop_w], *size, "bilinear")
    layer = layers.Resizing(*size, crop_to_aspect_ratio=True)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-4, atol=2e-3)
    assert layer.get_config()["crop_to_aspect_ratio"] is True


def test_resizing_differentiates_as_its_matrix(backend):
    x = as_tensor(_images(1, 3, 4, 1))
    g = RNG.standard_normal((1, 5, 2, 1)).astype("float32")
    with GradientTape() as tape:
        tape.watch(x)
        loss = keras.ops.sum(keras.ops.multiply(layers.Resizing(5, 2, "bicubic")(x), g))
    # The resize is linear: its gradient is the adjoint, <g, R e_k> for each input pixel k.
    want = np.zeros((1, 3, 4, 1))
    for k in np.ndindex(3, 4):
        e = np.zeros((1, 3, 4, 1))
        e[(0,) + k + (0,)] = 1.0
        want[(0,) + k + (0,)] = (np_resize(e, 5, 2, "bicubic") * g).sum()
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), want, rtol=1e-4, atol=1e-5)


def test_resizing_errors():
    with pytest.raises(ValueError, match=r"Value not recognized for `interpolation` of Resizing: 'lanczos3' "
                                                  r"\(tf.keras's other methods are not implemented in kerasx\)"):
        layers.Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match=r"Value not recognized for `interpolation` of Resizing: 'cubic'"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match=r"`height` of Resizing must be a positive integer. Received: height=0"):
        layers.Resizing(0, 2)
    with pytest.raises(ValueError, match=r'Layer "resizing(_\d+)?" \(Resizing\) expects images of shape \(height, '
                                         r"width, channels\) or \(batch, height, width, channels\), but it received "
                                         r"an input of shape \(2, 3\)"):
        layers.Resizing(2, 2)(np.zeros((2, 3), "float32"))


# ---------------------------------------------------------------- Rescaling, CenterCrop
@pytest.mark.parametrize("scale, offset", [(1 / 255, 0.0), (1 / 127.5, -1.0), (2.0, 0.5)])
def test_rescaling(backend, scale, offset):
    x = _images(2, 3, 3, 2)
    layer, _ = layer_test(layers.Rescaling, kwargs={"scale": scale, "offset": offset}, input_data=x,
                          reference_fn=lambda x, w: x.astype("float64") * scale + offset, expected_weights=[])
    assert layer.get_config()["scale"] == scale and layer.get_config()["offset"] == offset
    ints = layers.Rescaling(0.5)(np.array([[[[2, 4]]]], "uint8"))
    assert ints.dtype == "float32"
    np.testing.assert_array_equal(ints.numpy(), [[[[1.0, 2.0]]]])


@pytest.mark.parametrize("shape, size", [((2, 6, 7, 3), (4, 3)), ((2, 5, 5, 1), (5, 5)), ((3, 4, 2), (2, 1))])
def test_center_crop_is_the_central_box(backend, shape, size):
    x = _images(*shape)
    h, w = shape[-3:-1]
    top, left = (h - size[0]) // 2, (w - size[1]) // 2
    want = x[..., top:top + size[0], left:left + size[1], :]
    if len(shape) == 4:
        layer_test(layers.CenterCrop, kwargs={"height": size[0], "width": size[1]}, input_data=x,
                   expected_output=want, expected_weights=[])
    np.testing.assert_array_equal(layers.CenterCrop(*size)(x).numpy(), want)


def test_center_crop_resizes_smaller_images(backend):
    x = _images(1, 3, 6, 2)
    # Too short: the largest centred crop of aspect 5:4 (3 x int(3 * 4 / 5) = 3 x 2, from column 2)
    # resized to (5, 4), as tf.keras's smart_resize.
    want = np_resize(x[:, :, 2:4], 5, 4, "bilinear")
    np.testing.assert_allclose(layers.CenterCrop(5, 4)(x).numpy(), want, rtol=1e-4, atol=2e-3)


def test_image_layers_in_a_model_that_trains(backend):
    model = keras.Sequential([keras.Input((8, 6, 3)), layers.Rescaling(1 / 255), layers.Resizing(4, 4, "area"),
                              layers.CenterCrop(2, 2), layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _images(16, 8, 6, 3), RNG.standard_normal((16, 1)).astype("float32")
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.output_shape == (None, 1)
    again = keras.Sequential.from_config(model.get_config())
    assert [type(l).__name__ for l in again.layers][:3] == ["Rescaling", "Resizing", "CenterCrop"]
    assert again.layers[1].interpolation == "area"
