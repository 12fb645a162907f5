"""K.resize_images/resize_volumes, the zero paddings and local_conv1d/2d against NumPy."""
import itertools

import numpy as np
import pytest

import kerasx as keras
from kerasx import backend as K

RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3, 4, 2)).astype("float32")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resize_images_nearest(backend, data_format):
    x = X if data_format == "channels_last" else np.moveaxis(X, -1, 1)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    out = K.resize_images(x, 2, 3, data_format).numpy()
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x, 2, axes[0]), 3, axes[1]))


def test_resize_images_bilinear(backend):
    x = np.array([[0.0, 1.0]], "float32").reshape(1, 1, 2, 1)
    out = K.resize_images(x, 1, 2, "channels_last", interpolation="bilinear").numpy()[0, 0, :, 0]
    # Half-pixel centres: the output samples input coordinates -0.25, 0.25, 0.75, 1.25 (clamped).
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75, 1.0])
    assert keras.gradcheck(lambda a: K.resize_images(a, 2, 2, "channels_first", interpolation="bilinear"),
                           [RNG.standard_normal((1, 2, 2, 3))])
    with pytest.raises(ValueError, match='`interpolation` should be one of "nearest", "bilinear". Received: "area"'):
        K.resize_images(X, 2, 2, "channels_last", interpolation="area")
    with pytest.raises(ValueError, match="Unknown data_format: NHWC"):
        K.resize_images(X, 2, 2, "NHWC")
    with pytest.raises(ValueError, match=r"resize factors must be positive integers, received \(2, 0\)"):
        K.resize_images(X, 2, 0, "channels_last")


def test_resize_volumes(backend):
    v = RNG.standard_normal((1, 2, 2, 2, 3)).astype("float32")
    out = K.resize_volumes(v, 2, 1, 3, "channels_last").numpy()
    np.testing.assert_array_equal(out, np.repeat(np.repeat(v, 2, 1), 3, 3))
    assert keras.gradcheck(lambda a: K.resize_volumes(a, 1, 2, 2, "channels_first"),
                           [RNG.standard_normal((1, 2, 2, 1, 2))])


def test_paddings(backend):
    t = RNG.standard_normal((2, 3, 2)).astype("float32")
    np.testing.assert_array_equal(K.temporal_padding(t, (1, 2)).numpy(), np.pad(t, ((0, 0), (1, 2), (0, 0))))
    np.testing.assert_array_equal(K.spatial_2d_padding(X, ((1, 0), (0, 2))).numpy(),
                                  np.pad(X, ((0, 0), (1, 0), (0, 2), (0, 0))))
    np.testing.assert_array_equal(K.spatial_2d_padding(X, ((1, 1), (2, 2)), "channels_first").numpy(),
                                  np.pad(X, ((0, 0), (0, 0), (1, 1), (2, 2))))
    v = RNG.standard_normal((1, 2, 2, 2, 1)).astype("float32")
    assert K.spatial_3d_padding(v).shape == (1, 4, 4, 4, 1)
    with pytest.raises(ValueError, match="spatial_2d_padding: `padding` needs 2"):
        K.spatial_2d_padding(X, ((1, 1),))


def test_local_conv2d_matches_numpy(backend):
    ksize, strides, out_shape, filters = (2, 2), (1, 2), (2, 2), 3
    kernel = RNG.standard_normal((4, 2 * 2 * 2, filters)).astype("float32")
    expected = np.zeros((2, 2, 2, filters))
    for p, (i, j) in enumerate(itertools.product(range(2), range(2))):
        patch = X[:, i:i + 2, j * 2:j * 2 + 2, :].reshape(2, -1)
        expected[:, i, j] = patch @ kernel[p]
    out = K.local_conv2d(X, kernel, ksize, strides, out_shape, "channels_last").numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    x1 = RNG.standard_normal((2, 5, 2)).astype("float32")
    k1 = RNG.standard_normal((2, 3 * 2, 4)).astype("float32")
    e1 = np.stack([x1[:, s * 2:s * 2 + 3].reshape(2, -1) @ k1[s] for s in range(2)], 1)
    np.testing.assert_allclose(K.local_conv1d(x1, k1, 3, 2).numpy(), e1, rtol=1e-5, atol=1e-5)
    assert keras.gradcheck(lambda a, k: K.local_conv1d(a, k, 2, 1),
                           [RNG.standard_normal((1, 3, 2)), RNG.standard_normal((2, 4, 1))])
    with pytest.raises(ValueError, match="the kernel has 3 positions, the output shape"):
        K.local_conv2d(X, kernel[:3], ksize, strides, out_shape)
