"""K.conv*/pool*/bias_add/batch_dot/l2_normalize/dropout/in_top_k/batch-norm helpers/crossentropies: values against
NumPy formulas (the loop references of tests/layers/conv_test_utils), float64 gradients, and errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import backend as K
from tests.layers.conv_test_utils import conv, conv_transpose, depthwise_conv, tf_padding

RNG = np.random.default_rng(0)
X2 = RNG.standard_normal((2, 5, 6, 3)).astype("float32")
W2 = RNG.standard_normal((3, 2, 3, 4)).astype("float32")


def _nchw(x):
    return np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_matches_numpy(backend, padding, data_format):
    strides, dilation = (2, 1), (1, 2)
    pads = tf_padding(padding, X2.shape[1:3], W2.shape[:2], strides, dilation)
    expected = conv(X2, W2, strides, pads, dilation)
    x = X2 if data_format == "channels_last" else _nchw(X2)
    out = K.conv2d(x, W2, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation).numpy()
    if data_format == "channels_first":
        out = np.moveaxis(out, 1, -1)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_conv1d_causal_and_conv3d(backend):
    x = RNG.standard_normal((2, 7, 3)).astype("float32")
    w = RNG.standard_normal((3, 3, 2)).astype("float32")
    expected = conv(x, w, (1,), ((2, 0),), (1,))
    np.testing.assert_allclose(K.conv1d(x, w, padding="causal").numpy(), expected, rtol=1e-4, atol=1e-4)
    x3 = RNG.standard_normal((1, 4, 4, 4, 2)).astype("float32")
    w3 = RNG.standard_normal((2, 2, 2, 2, 3)).astype("float32")
    np.testing.assert_allclose(K.conv3d(x3, w3).numpy(), conv(x3, w3, (1, 1, 1), ((0, 0),) * 3, (1, 1, 1)),
                               rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_depthwise_separable(backend):
    x = RNG.standard_normal((2, 3, 3, 4)).astype("float32")
    w = RNG.standard_normal((3, 3, 2, 4)).astype("float32")
    out = K.conv2d_transpose(x, w, (2, 7, 7, 2), strides=(2, 2), padding="valid").numpy()
    np.testing.assert_allclose(out, conv_transpose(x, w, (7, 7), (2, 2), ((0, 0), (0, 0)), (1, 1)),
                               rtol=1e-4, atol=1e-4)
    dk = RNG.standard_normal((3, 3, 3, 2)).astype("float32")
    np.testing.assert_allclose(K.depthwise_conv2d(X2, dk).numpy(),
                               depthwise_conv(X2, dk, (1, 1), ((0, 0), (0, 0)), (1, 1)), rtol=1e-4, atol=1e-4)
    pk = RNG.standard_normal((1, 1, 6, 5)).astype("float32")
    mid = depthwise_conv(X2, dk, (1, 1), ((0, 0), (0, 0)), (1, 1))
    np.testing.assert_allclose(K.separable_conv2d(X2, dk, pk).numpy(), mid @ pk[0, 0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool2d_max_and_avg(backend, data_format):
    x = X2[:, :4, :6]
    windows = x.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5)
    feed = x if data_format == "channels_last" else _nchw(x)
    for mode, reduce in (("max", np.max), ("avg", np.mean)):
        out = K.pool2d(feed, (2, 2), strides=(2, 2), data_format=data_format, pool_mode=mode).numpy()
        out = out if data_format == "channels_last" else np.moveaxis(out, 1, -1)
        np.testing.assert_allclose(out, reduce(windows, axis=(3, 4)), rtol=1e-6)
    x3 = RNG.standard_normal((1, 2, 2, 2, 3)).astype("float32")
    np.testing.assert_allclose(K.pool3d(x3, (2, 2, 2), pool_mode="avg").numpy()[0, 0, 0, 0], x3[0].mean((0, 1, 2)),
                               rtol=1e-6)


def test_conv_and_pool_argument_errors():
    with pytest.raises(ValueError, match="Unknown data_format: channels_middle"):
        K.conv2d(X2, W2, data_format="channels_middle")
    with pytest.raises(ValueError, match="Unknown padding: full"):
        K.conv2d(X2, W2, padding="full")
    with pytest.raises(ValueError, match="Invalid pooling mode: min"):
        K.pool2d(X2, (2, 2), pool_mode="min")
    with pytest.raises(ValueError, match=r"conv2d expects an input of rank 4 .* received shape \(5, 6, 3\)"):
        K.conv2d(X2[0], W2)
    with pytest.raises(ValueError, match="output_shape must have 4 entries"):
        K.conv2d_transpose(X2, W2, (7, 7))


def test_conv_and_pool_gradients(backend):
    x = RNG.standard_normal((1, 4, 4, 2))
    w = RNG.standard_normal((2, 2, 2, 3))
    assert keras.gradcheck(lambda a, b: K.conv2d(a, b, padding="same", data_format="channels_first"),
                           [np.moveaxis(x, -1, 1).copy(), w])
    assert keras.gradcheck(lambda a: K.pool2d(a, (2, 2), strides=(2, 2), pool_mode="avg"), [x])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_bias_add(backend, data_format):
    bias = np.arange(3, dtype="float32")
    x = X2 if data_format == "channels_last" else _nchw(X2)
    expected = X2 + bias
    out = K.bias_add(x, bias, data_format=data_format).numpy()
    np.testing.assert_allclose(out if data_format == "channels_last" else np.moveaxis(out, 1, -1), expected)
    with pytest.raises(ValueError, match="Unexpected bias dimensions 2, expect to be 1 or 3 dimensions"):
        K.bias_add(X2, np.zeros((2, 3), "float32"))
    assert keras.gradcheck(lambda a, b: K.bias_add(a, b, data_format=data_format),
                           [RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3 if data_format ==
                                                                                  "channels_first" else 4,))])


def test_batch_dot(backend):
    x = RNG.standard_normal((4, 3, 5)).astype("float32")
    y = RNG.standard_normal((4, 5, 2)).astype("float32")
    np.testing.assert_allclose(K.batch_dot(x, y).numpy(), np.einsum("bij,bjk->bik", x, y), rtol=1e-5)
    z = RNG.standard_normal((4, 3, 2)).astype("float32")
    np.testing.assert_allclose(K.batch_dot(x, z, axes=(1, 1)).numpy(), np.einsum("bji,bjk->bik", x, z),
                               rtol=1e-5)
    a, b = x[:, 0], y[:, :, 0]
    out = K.batch_dot(a, b, axes=1).numpy()
    assert out.shape == (4, 1)
    np.testing.assert_allclose(out[:, 0], (a * b).sum(1), rtol=1e-5)
    big = RNG.standard_normal((4, 2, 3, 5)).astype("float32")
    np.testing.assert_allclose(K.batch_dot(big, y, axes=(3, 1)).numpy(), np.einsum("bpqj,bjk->bpqk", big, y),
                               rtol=1e-5)
    with pytest.raises(ValueError, match=r"x.shape\[2\] != y.shape\[2\] \(5 != 2\)"):
        K.batch_dot(x, y, axes=(2, 2))
    with pytest.raises(ValueError, match="different batch sizes"):
        K.batch_dot(x, y[:2])
    assert keras.gradcheck(lambda p, q: K.batch_dot(p, q, axes=(1, 1)),
                           [RNG.standard_normal((2, 3, 2)), RNG.standard_normal((2, 3, 4))])


def test_l2_normalize(backend):
    x = RNG.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(K.l2_normalize(x, axis=1).numpy(),
                               x / np.sqrt((x ** 2).sum(1, keepdims=True)), rtol=1e-6)
    np.testing.assert_allclose(K.l2_normalize(np.zeros((2, 2), "float32"), axis=-1).numpy(), 0.0)
    assert keras.gradcheck(lambda a: K.l2_normalize(a, axis=0), [RNG.standard_normal((3, 2))])


def test_dropout(backend):
    x = np.ones((200, 50), "float32")
    out = K.dropout(x, 0.25).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.03
    shared = K.dropout(x, 0.5, noise_shape=(200, 1)).numpy()
    assert np.all(shared == shared[:, :1])
    with pytest.raises(ValueError, match=r"rate must be a scalar tensor or a float in the range \[0, 1\), got 1"):
        K.dropout(x, 1)


def test_in_top_k(backend):
    pred = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05]], "float32")
    targets = np.array([2, 0, 1], "int32")
    assert K.in_top_k(pred, targets, 1).numpy().tolist() == [False, False, False]
    # Ties at the boundary are in, as tf.math.in_top_k's.
    assert K.in_top_k(pred, targets, 2).numpy().tolist() == [True, True, True]
    with pytest.raises(ValueError, match="in_top_k expects predictions of shape"):
        K.in_top_k(pred[0], targets, 1)


def test_normalize_batch_in_training(backend):
    x = RNG.standard_normal((4, 3, 2)).astype("float32")
    gamma, beta = np.array([1.5, 0.5], "float32"), np.array([0.1, -0.2], "float32")
    normed, mean, var = K.normalize_batch_in_training(x, gamma, beta, [0, 1], epsilon=1e-3)
    m, v = x.mean((0, 1)), x.var((0, 1))
    np.testing.assert_allclose(mean.numpy(), m, rtol=1e-5)
    np.testing.assert_allclose(var.numpy(), v, rtol=1e-5)
    np.testing.assert_allclose(normed.numpy(), (x - m) / np.sqrt(v + 1e-3) * gamma + beta, rtol=1e-4, atol=1e-5)
    assert keras.gradcheck(lambda a, g, b: K.normalize_batch_in_training(a, g, b, [0])[0],
                           [RNG.standard_normal((5, 2)), RNG.standard_normal((2,)), RNG.standard_normal((2,))])


def test_moving_average_update(backend):
    v = K.variable(np.array([1.0, 2.0]))
    K.moving_average_update(v, np.array([3.0, 6.0], "float32"), 0.9)
    np.testing.assert_allclose(v.numpy(), [1.0 * 0.9 + 3.0 * 0.1, 2.0 * 0.9 + 6.0 * 0.1], rtol=1e-6)
    with pytest.raises(ValueError, match=r"value of shape \(3,\) does not match the variable's shape \(2,\)"):
        K.moving_average_update(v, np.zeros(3, "float32"), 0.9)
    np.testing.assert_allclose(v.numpy(), [1.2, 2.4], rtol=1e-6)


# ---------------------------------------------------------------- crossentropies, as K computes them
def _clip(p, eps=1e-7):
    return np.clip(p, eps, 1 - eps)


def test_binary_crossentropies_give_one_value_per_element(backend):
    rng = np.random.default_rng(5)
    target = rng.integers(0, 2, (4, 3)).astype("float32")
    output = rng.uniform(0.05, 0.95, (4, 3)).astype("float32")
    p, eps = _clip(output), 1e-7
    bce = -(target * np.log(p + eps) + (1 - target) * np.log(1 - p + eps))
    got = K.binary_crossentropy(target, output).numpy()
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, bce, rtol=1e-5)
    p_t = target * p + (1 - target) * (1 - p)
    focal = (1 - p_t) ** 2.0 * bce
    np.testing.assert_allclose(K.binary_focal_crossentropy(target, output).numpy(), focal, rtol=1e-5)
    balanced = (target * 0.4 + (1 - target) * 0.6) * (1 - p_t) ** 1.5 * bce
    np.testing.assert_allclose(K.binary_focal_crossentropy(target, output, apply_class_balancing=True,
                                                           alpha=0.4, gamma=1.5).numpy(), balanced, rtol=1e-5)
    logits = np.log(output / (1 - output))
    np.testing.assert_allclose(K.binary_focal_crossentropy(target, logits, from_logits=True).numpy(), focal,
                               rtol=1e-4, atol=1e-6)
    t64 = target.astype("float64")
    assert keras.gradcheck(lambda o: K.binary_focal_crossentropy(t64, o, from_logits=True),
                           [rng.normal(size=(4, 3))])
    with pytest.raises(ValueError, match="binary_focal_crossentropy: `gamma` must be a number >= 0"):
        K.binary_focal_crossentropy(target, output, gamma=-1.0)


def test_categorical_focal_crossentropy_gives_one_value_per_sample(backend):
    rng = np.random.default_rng(6)
    target = np.eye(3, dtype="float32")[rng.integers(0, 3, 5)]
    output = rng.uniform(0.1, 1.0, (5, 3)).astype("float32")
    p = _clip(output / output.sum(-1, keepdims=True))
    expected = np.sum(0.25 * (1 - p) ** 2.0 * -target * np.log(p), axis=-1)
    got = K.categorical_focal_crossentropy(target, output).numpy()
    assert got.shape == (5,)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert keras.gradcheck(lambda z: K.categorical_focal_crossentropy(target.astype("float64"), z,
                                                                      from_logits=True),
                           [rng.normal(size=(5, 3))])
