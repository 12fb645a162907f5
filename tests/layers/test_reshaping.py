import math

import numpy as np
import pytest

from kerasx import layers

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _spatial(x, data_format):
    """The spatial axes of `x` (channels last or first)."""
    return tuple(range(2, x.ndim)) if data_format == "channels_first" else tuple(range(1, x.ndim - 1))


# ------------------------------------------------------------------ ZeroPadding
def np_zero_pad(x, pairs, data_format="channels_last"):
    axes = _spatial(x, data_format)
    out_shape = list(x.shape)
    for a, (lo, hi) in zip(axes, pairs):
        out_shape[a] += lo + hi
    out = np.zeros(out_shape, x.dtype)
    key = [slice(None)] * x.ndim
    for a, (lo, _) in zip(axes, pairs):
        key[a] = slice(lo, lo + x.shape[a])
    out[tuple(key)] = x
    return out


@pytest.mark.parametrize("cls, kwargs, shape, pairs", [
    (layers.ZeroPadding1D, {}, (2, 4, 3), [(1, 1)]),
    (layers.ZeroPadding1D, {"padding": (2, 0)}, (2, 4, 3), [(2, 0)]),
    (layers.ZeroPadding2D, {}, (2, 3, 4, 2), [(1, 1), (1, 1)]),
    (layers.ZeroPadding2D, {"padding": 2}, (1, 3, 4, 2), [(2, 2), (2, 2)]),
    (layers.ZeroPadding2D, {"padding": (1, 2)}, (1, 3, 4, 2), [(1, 1), (2, 2)]),
    (layers.ZeroPadding2D, {"padding": ((0, 1), (2, 3)), "data_format": "channels_first"}, (1, 2, 3, 4),
     [(0, 1), (2, 3)]),
    (layers.ZeroPadding3D, {}, (1, 2, 3, 2, 2), [(1, 1)] * 3),
    (layers.ZeroPadding3D, {"padding": ((1, 0), (0, 2), 1), "data_format": "channels_first"},
     (1, 2, 2, 3, 2), [(1, 0), (0, 2), (1, 1)]),
])
def test_zero_padding_matches_numpy(backend, cls, kwargs, shape, pairs):
    df = kwargs.get("data_format", "channels_last")
    layer_test(cls, kwargs, _x(*shape), reference_fn=lambda x, w: np_zero_pad(x, pairs, df), expected_weights=[])


def test_zero_padding_config():
    assert layers.ZeroPadding1D(3).get_config()["padding"] == (3, 3)
    assert "data_format" not in layers.ZeroPadding1D().get_config()
    config = layers.ZeroPadding2D((1, 2)).get_config()
    assert config["padding"] == ((1, 1), (2, 2)) and config["data_format"] == "channels_last"
    assert layers.ZeroPadding3D(2).get_config()["padding"] == ((2, 2),) * 3
    assert layers.ZeroPadding2D().compute_output_shape((None, None, 5, 3)) == (None, None, 7, 3)


@pytest.mark.parametrize("cls, padding, message", [
    (layers.ZeroPadding2D, (1, 2, 3), r"`padding` should have two elements. Received: \(1, 2, 3\)."),
    (layers.ZeroPadding3D, (1, 2), r"`padding` should have 3 elements. Received: \(1, 2\)."),
    (layers.ZeroPadding2D, ((1, 2), (1, -1)), r"The `2nd entry of padding` argument must be a tuple of 2 "
                                              r"integers. Received: \(1, -1\) including \{-1\} that does not "
                                              r"satisfy the requirement `>= 0`."),
    (layers.ZeroPadding2D, 1.5, r"`padding` should be either an int, a tuple of 2 ints \(symmetric_height_pad"),
    (layers.ZeroPadding1D, -1, r"The `padding` argument must be a tuple of 2 integers. Received: -1 including"),
])
def test_zero_padding_bad_arguments(cls, padding, message):
    with pytest.raises(ValueError, match=message):
        cls(padding)


# ------------------------------------------------------------------ Cropping
def np_crop(x, pairs, data_format="channels_last"):
    out = x
    for a, (lo, hi) in zip(_spatial(x, data_format), pairs):
        out = np.take(out, np.arange(lo, x.shape[a] - hi), axis=a)
    return out


@pytest.mark.parametrize("cls, kwargs, shape, pairs", [
    (layers.Cropping1D, {}, (2, 5, 3), [(1, 1)]),
    (layers.Cropping1D, {"cropping": (0, 2)}, (2, 5, 3), [(0, 2)]),
    (layers.Cropping2D, {"cropping": 1}, (2, 4, 5, 2), [(1, 1), (1, 1)]),
    (layers.Cropping2D, {"cropping": ((0, 1), (2, 0))}, (2, 4, 5, 2), [(0, 1), (2, 0)]),
    (layers.Cropping2D, {"cropping": (1, 2), "data_format": "channels_first"}, (1, 2, 4, 6), [(1, 1), (2, 2)]),
    (layers.Cropping3D, {}, (1, 3, 4, 5, 2), [(1, 1)] * 3),
    (layers.Cropping3D, {"cropping": ((0, 1), 1, (2, 0)), "data_format": "channels_first"}, (1, 2, 3, 4, 5),
     [(0, 1), (1, 1), (2, 0)]),
])
def test_cropping_matches_numpy(backend, cls, kwargs, shape, pairs):
    df = kwargs.get("data_format", "channels_last")
    layer_test(cls, kwargs, _x(*shape), reference_fn=lambda x, w: np_crop(x, pairs, df), expected_weights=[])


def test_cropping_config():
    assert layers.Cropping1D(2).get_config()["cropping"] == (2, 2)
    assert layers.Cropping2D().get_config()["cropping"] == ((0, 0), (0, 0))
    assert layers.Cropping3D().get_config()["cropping"] == ((1, 1), (1, 1), (1, 1))
    assert layers.Cropping2D(1).compute_output_shape((None, None, 5, 3)) == (None, None, 3, 3)


def test_cropping_larger_than_the_input_messages(backend):
    with pytest.raises(ValueError, match=r"cropping parameter of Cropping layer must be greater than the "
                                         r"input shape. Received: inputs.shape=\(2, 4, 3\), and "
                                         r"cropping=\(2, 2\)"):
        layers.Cropping1D(2)(np.zeros((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match=r"Values in `cropping` argument should be smaller than the "
                                         r"corresponding spatial dimension of the input. Received: "
                                         r"input_shape=\(1, 3, 8, 2\), cropping=\(\(2, 1\), \(0, 0\)\)"):
        layers.Cropping2D(((2, 1), (0, 0)))(np.zeros((1, 3, 8, 2), "float32"))
    with pytest.raises(ValueError, match=r"should be smaller than the corresponding spatial dimension"):
        layers.Cropping3D(data_format="channels_first").compute_output_shape((1, 2, 4, 2, 4))


@pytest.mark.parametrize("cls, cropping, message", [
    (layers.Cropping1D, (1, -2), r"The `cropping` argument must be a tuple of 2 integers. Received: \(1, -2\) "
                                 r"including \{-2\} that does not satisfy the requirement `>= 0`."),
    (layers.Cropping2D, (1, 2, 3), r"`cropping` should have two elements. Received: \(1, 2, 3\)."),
    (layers.Cropping3D, ((1, 1), (1, 1), (-1, 0)), r"The `3rd entry of cropping` argument must be a tuple"),
    (layers.Cropping2D, "a", r"`cropping` should have two elements. Received: a."),
    (layers.Cropping2D, ((1, 1), 1.5), r"The `2nd entry of cropping` argument must be a tuple of 2 integers. "
                                       r"Received: 1.5$"),
])
def test_cropping_bad_arguments(cls, cropping, message):
    with pytest.raises(ValueError, match=message):
        cls(cropping)


def test_cropping_wrong_rank_message(backend):
    layer = layers.Cropping2D(1)
    with pytest.raises(ValueError, match=r'Input 0 of layer "cropping2d" \(Cropping2D\) is incompatible: '
                                         r"expected ndim=4, found ndim=3"):
        layer(np.zeros((2, 4, 3), "float32"))


# ------------------------------------------------------------------ UpSampling
def np_nearest(x, sizes, data_format="channels_last"):
    out = x
    for a, k in zip(_spatial(x, data_format), sizes):
        out = np.repeat(out, k, axis=a)
    return out


def np_bilinear_tf(x, sizes):
    """TensorFlow 2's tf.image.resize(method='bilinear') for an integer scale, point by point:
    source coordinate (i + 0.5) * in / out - 0.5, floor/ceil clamped to the image."""
    n, h, w, c = x.shape
    oh, ow = h * sizes[0], w * sizes[1]
    out = np.zeros((n, oh, ow, c), "float64")
    for i in range(oh):
        sy = (i + 0.5) * h / oh - 0.5
        y0, y1, fy = max(math.floor(sy), 0), min(math.ceil(sy), h - 1), sy - math.floor(sy)
        for j in range(ow):
            sx = (j + 0.5) * w / ow - 0.5
            x0, x1, fx = max(math.floor(sx), 0), min(math.ceil(sx), w - 1), sx - math.floor(sx)
            top = x[:, y0, x0] * (1 - fx) + x[:, y0, x1] * fx
            bottom = x[:, y1, x0] * (1 - fx) + x[:, y1, x1] * fx
            out[:, i, j] = top * (1 - fy) + bottom * fy
    return out


@pytest.mark.parametrize("cls, kwargs, shape, sizes", [
    (layers.UpSampling1D, {}, (2, 3, 4), (2,)),
    (layers.UpSampling1D, {"size": 3}, (2, 3, 4), (3,)),
    (layers.UpSampling2D, {}, (2, 3, 4, 2), (2, 2)),
    (layers.UpSampling2D, {"size": (1, 3), "data_format": "channels_first"}, (1, 2, 3, 4), (1, 3)),
    (layers.UpSampling3D, {}, (1, 2, 3, 2, 2), (2, 2, 2)),
    (layers.UpSampling3D, {"size": (1, 2, 3), "data_format": "channels_first"}, (1, 2, 2, 3, 2), (1, 2, 3)),
])
def test_upsampling_nearest_matches_numpy(backend, cls, kwargs, shape, sizes):
    df = kwargs.get("data_format", "channels_last")
    layer_test(cls, kwargs, _x(*shape), reference_fn=lambda x, w: np_nearest(x, sizes, df), expected_weights=[])


@pytest.mark.parametrize("kwargs, shape", [
    ({"interpolation": "bilinear"}, (2, 3, 4, 2)),
    ({"interpolation": "bilinear", "size": (3, 2)}, (1, 4, 3, 2)),
    ({"interpolation": "bilinear", "size": (2, 4), "data_format": "channels_first"}, (1, 2, 3, 3)),
])
def test_upsampling2d_bilinear_matches_tf_formula(backend, kwargs, shape):
    sizes = kwargs.get("size", (2, 2))
    first = kwargs.get("data_format") == "channels_first"

    def ref(x, w):
        if first:
            return np_bilinear_tf(x.transpose(0, 2, 3, 1), sizes).transpose(0, 3, 1, 2)
        return np_bilinear_tf(x, sizes)

    layer_test(layers.UpSampling2D, kwargs, _x(*shape), reference_fn=ref, expected_weights=[])


def test_upsampling2d_bilinear_known_values(backend):
    # A 1x2 ramp [0, 1] upsampled x2 by TensorFlow: [0, 0.25, 0.75, 1] along the width.
    x = np.array([0.0, 1.0], "float32").reshape(1, 1, 2, 1)
    y = layers.UpSampling2D(interpolation="bilinear")(x).numpy()
    np.testing.assert_allclose(y[0, :, :, 0], [[0, 0.25, 0.75, 1], [0, 0.25, 0.75, 1]], atol=1e-7)


def test_upsampling_config():
    up1 = layers.UpSampling1D(3)
    assert up1.size == 3 and up1.get_config()["size"] == 3 and "data_format" not in up1.get_config()
    config = layers.UpSampling2D(interpolation="bilinear").get_config()
    assert (config["size"], config["data_format"], config["interpolation"]) == ((2, 2), "channels_last",
                                                                                "bilinear")
    assert layers.UpSampling3D(2).get_config()["size"] == (2, 2, 2)
    assert layers.UpSampling2D((2, 3)).compute_output_shape((None, None, 4, 3)) == (None, None, 12, 3)


def test_upsampling_bad_arguments():
    with pytest.raises(ValueError, match=r'`interpolation` argument should be one of `"nearest"` or '
                                         r'`"bilinear"`. Received: "bicubic".'):
        layers.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"The `size` argument must be a tuple of 2 integers. Received: "
                                         r"\(2, 0\) including \{0\} that does not satisfy the requirement"):
        layers.UpSampling2D((2, 0))
    with pytest.raises(ValueError, match=r"The `size` argument must be a tuple of 3 integers. Received: \(2, 2\)"):
        layers.UpSampling3D((2, 2))


# ------------------------------------------------------------------ Permute, RepeatVector
@pytest.mark.parametrize("dims, shape", [((2, 1), (2, 3, 4)), ((3, 1, 2), (2, 3, 4, 5)), ((1, 2), (2, 3, 4))])
def test_permute(backend, dims, shape):
    layer, _ = layer_test(layers.Permute, {"dims": dims}, _x(*shape),
                          reference_fn=lambda x, w: np.transpose(x, (0,) + dims), expected_weights=[])
    assert layer.get_config()["dims"] == dims


def test_permute_bad_dims_and_rank(backend):
    with pytest.raises(ValueError, match=r"Invalid permutation argument `dims` for Permute Layer. The set of "
                                         r"indices in `dims` must be consecutive and start from 1. Received "
                                         r"dims=\(0, 1\)"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match=r'Input 0 of layer "permute" \(Permute\) is incompatible: expected '
                                         r"ndim=3, found ndim=4"):
        layers.Permute((2, 1))(np.zeros((1, 2, 3, 4), "float32"))


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector(backend, n):
    layer, _ = layer_test(layers.RepeatVector, {"n": n}, _x(2, 4),
                          reference_fn=lambda x, w: np.repeat(x[:, None, :], n, axis=1), expected_weights=[])
    assert layer.get_config()["n"] == n


def test_repeat_vector_bad_n_and_rank(backend):
    with pytest.raises(TypeError, match=r"Expected an integer value for `n`, got <class 'float'>."):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match=r'Input 0 of layer "repeat_vector" \(RepeatVector\) is incompatible: '
                                         r"expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(np.zeros((1, 2, 3), "float32"))


def test_model_of_pooling_and_reshaping_layers_saves_and_loads(backend, tmp_path):
    from kerasx import models
    model = models.Sequential([
        layers.ZeroPadding2D(((1, 0), (0, 1)), input_shape=(6, 6, 2)), layers.MaxPooling2D(padding="same"),
        layers.UpSampling2D(interpolation="bilinear"), layers.Cropping2D(1), layers.AveragePooling2D(3, 1),
        layers.GlobalMaxPooling2D(keepdims=True), layers.Reshape((2,)), layers.RepeatVector(3),
        layers.Permute((2, 1)), layers.ActivityRegularization(l2=0.01), layers.GlobalAveragePooling1D(),
        layers.Dense(1)])
    assert [layer.output_shape for layer in model.layers[:6]] == [
        (None, 7, 7, 2), (None, 4, 4, 2), (None, 8, 8, 2), (None, 6, 6, 2), (None, 4, 4, 2), (None, 1, 1, 2)]
    model.compile(optimizer="sgd", loss="mse")
    x, y = _x(4, 6, 6, 2), _x(4, 1)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.layers[0].padding == ((1, 0), (0, 1)) and loaded.layers[1].pool_size == (2, 2)
