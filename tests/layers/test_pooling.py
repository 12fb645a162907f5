import itertools

import numpy as np
import pytest

from kerasx import GradientTape, layers
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(3)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def np_pool(x, pool_size, strides, padding, reduce, channels_first=False):
    """One window at a time; 'same' as TensorFlow: ceil(in / stride) outputs, the extra pad after,
    padded elements never counted."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    outs, los = [], []
    for n, k, s in zip(spatial, pool_size, strides):
        if padding == "same":
            o = -(-n // s)
            los.append(max((o - 1) * s + k - n, 0) // 2)
        else:
            o, _ = (n - k) // s + 1, los.append(0)
        outs.append(o)
    y = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],), "float64")
    for idx in itertools.product(*(range(o) for o in outs)):
        key = tuple(slice(max(i * s - lo, 0), min(i * s - lo + k, n))
                    for i, s, lo, k, n in zip(idx, strides, los, pool_size, spatial))
        win = x[(slice(None),) + key + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + idx + (slice(None),)] = reduce(win, axis=1)
    return np.moveaxis(y, -1, 1) if channels_first else y


POOL_CASES = [
    (layers.MaxPooling1D, {}, (2, 7, 3)),
    (layers.MaxPooling1D, {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 6, 2)),
    (layers.MaxPooling1D, {"pool_size": 2, "data_format": "channels_first"}, (2, 3, 7)),
    (layers.AveragePooling1D, {"pool_size": 3, "strides": 2}, (2, 8, 3)),
    (layers.AveragePooling1D, {"pool_size": 4, "strides": 3, "padding": "same"}, (2, 7, 2)),
    (layers.MaxPooling2D, {}, (2, 6, 6, 3)),
    (layers.MaxPooling2D, {}, (2, 7, 5, 3)),
    (layers.MaxPooling2D, {"pool_size": (3, 3), "strides": (2, 2), "padding": "same"}, (2, 7, 6, 2)),
    (layers.MaxPooling2D, {"pool_size": (2, 3), "strides": (1, 2)}, (1, 5, 7, 2)),
    (layers.MaxPooling2D, {"pool_size": 2, "padding": "same", "data_format": "channels_first"}, (2, 3, 5, 5)),
    (layers.AveragePooling2D, {}, (2, 6, 6, 3)),
    (layers.AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 6, 2)),
    (layers.AveragePooling2D, {"pool_size": (2, 2), "strides": 1, "data_format": "channels_first"},
     (1, 2, 4, 5)),
    (layers.MaxPooling3D, {}, (1, 4, 4, 5, 2)),
    (layers.MaxPooling3D, {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same"}, (1, 3, 5, 4, 2)),
    (layers.AveragePooling3D, {"padding": "same"}, (1, 3, 4, 5, 2)),
    (layers.AveragePooling3D, {"pool_size": 2, "strides": 1, "data_format": "channels_first"}, (1, 2, 3, 3, 4)),
]


@pytest.mark.parametrize("cls, kwargs, shape", POOL_CASES)
def test_pooling_matches_numpy(backend, cls, kwargs, shape):
    rank = len(shape) - 2
    pool = kwargs.get("pool_size", 2)
    pool = (pool,) * rank if isinstance(pool, int) else pool
    strides = kwargs.get("strides") or pool
    strides = (strides,) * rank if isinstance(strides, int) else strides
    reduce = np.max if cls.__name__.startswith("Max") else np.mean
    first = kwargs.get("data_format") == "channels_first"
    layer_test(cls, kwargs, _x(*shape),
               reference_fn=lambda x, w: np_pool(x, pool, strides, kwargs.get("padding", "valid"), reduce, first),
               expected_weights=[])


def test_max_pooling2d_gradient_goes_to_each_window_maximum(backend):
    x = _x(2, 4, 6, 3)
    xt = as_tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        y = layers.MaxPooling2D()(xt)
    g = tape.gradient(y, xt).numpy()
    windows = x.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(2, 2, 3, 3, 4)
    is_max = windows == windows.max(axis=-1, keepdims=True)
    expected = is_max.reshape(2, 2, 3, 3, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(g, expected.astype("float32"))
    assert g.dtype == np.float32


def test_average_pooling_same_gradient_counts_real_elements(backend):
    # A 3x3 input with 2x2 'same' windows: the corner window holds 1 real element, so its gradient is 1.
    xt = as_tensor(np.ones((1, 3, 3, 1), "float32"))
    with GradientTape() as tape:
        tape.watch(xt)
        y = layers.AveragePooling2D(padding="same")(xt)
    np.testing.assert_allclose(y.numpy()[0, :, :, 0], np.ones((2, 2)))
    g = tape.gradient(y, xt).numpy()[0, :, :, 0]
    np.testing.assert_allclose(g, [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])


def test_aliases_are_the_same_classes():
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.MaxPool2D is layers.MaxPooling2D
    assert layers.MaxPool3D is layers.MaxPooling3D and layers.AvgPool2D is layers.AveragePooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D and layers.AvgPool3D is layers.AveragePooling3D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D
    assert layers.serialize(layers.MaxPool2D())["class_name"] == "MaxPooling2D"


def test_pooling_config_is_keras_format():
    assert layers.MaxPooling2D().get_config() == {
        "name": "max_pooling2d", "trainable": True, "dtype": "float32", "pool_size": (2, 2),
        "padding": "valid", "strides": (2, 2), "data_format": "channels_last"}
    config = layers.AveragePooling1D(3, strides=1, padding="SAME").get_config()
    assert (config["pool_size"], config["strides"], config["padding"]) == ((3,), (1,), "same")
    assert layers.GlobalAveragePooling2D(keepdims=True).get_config() == {
        "name": "global_average_pooling2d", "trainable": True, "dtype": "float32",
        "data_format": "channels_last", "keepdims": True}


def test_pooling_unknown_spatial_dims_in_output_shape():
    assert layers.MaxPooling2D(padding="same").compute_output_shape((None, None, 7, 3)) == (None, None, 4, 3)
    assert layers.AveragePooling1D(3, 2).compute_output_shape((4, 9, 2)) == (4, 4, 2)
    assert layers.MaxPooling3D(data_format="channels_first").compute_output_shape((1, 2, 4, 5, 6)) == \
        (1, 2, 2, 2, 3)
    kx = layers.Input(shape=(None, None, 3))
    assert layers.MaxPooling2D()(kx).shape == (None, None, None, 3)
    # The 1x1 and 2x2 placeholders that probe an unknown size both give 0 outputs for a 3x3/2 'valid'
    # window (TensorFlow's rule): the size stays unknown instead of becoming 0 (ResNet's pool1_pool).
    assert layers.MaxPooling2D(3, strides=2)(kx).shape == (None, None, None, 3)
    assert layers.AveragePooling1D(4)(layers.Input(shape=(None, 2))).shape == (None, None, 2)
    assert layers.MaxPooling2D(3, strides=2)(layers.Input(shape=(7, 5, 3))).shape == (None, 3, 2, 3)


@pytest.mark.parametrize("cls, shape, expected", [
    (layers.MaxPooling2D, (4, 5, 3), "expected ndim=4, found ndim=3"),
    (layers.AveragePooling1D, (2, 4, 5, 3), "expected ndim=3, found ndim=4"),
    (layers.MaxPooling3D, (2, 4, 5, 3), "expected ndim=5, found ndim=4"),
    (layers.GlobalAveragePooling2D, (2, 4, 3), "expected ndim=4, found ndim=3"),
    (layers.GlobalMaxPooling1D, (2, 4, 3, 1), "expected ndim=3, found ndim=4"),
])
def test_pooling_wrong_rank_message(backend, cls, shape, expected):
    layer = cls()
    with pytest.raises(ValueError, match=rf'Input 0 of layer "{layer.name}" \({cls.__name__}\) is '
                                         rf"incompatible: {expected}"):
        layer(np.zeros(shape, "float32"))


@pytest.mark.parametrize("kwargs, message", [
    ({"pool_size": 0}, r"The `pool_size` argument must be a tuple of 2 integers. Received: 0 including "
                       r"\{0\} that does not satisfy the requirement `> 0`."),
    ({"pool_size": (2, -1)}, r"`pool_size` argument must be a tuple of 2 integers. Received: \(2, -1\) "
                             r"including \{-1\}"),
    ({"pool_size": (2, 2, 2)}, r"The `pool_size` argument must be a tuple of 2 integers. Received: \(2, 2, 2\)$"),
    ({"pool_size": (2, "a")}, r"`pool_size` argument must be a tuple of 2 integers. Received: \(2, 'a'\) "
                              r"including element a of type <class 'str'>"),
    ({"strides": 0}, r"The `strides` argument must be a tuple of 2 integers. Received: 0 including \{0\}"),
    ({"padding": "full"}, r'The `padding` argument must be a list/tuple or one of "valid", "same" .*'
                          r"Received: full"),
    ({"data_format": "channels_middle"}, r'The `data_format` argument must be one of "channels_first", '
                                         r'"channels_last". Received: channels_middle'),
])
def test_pooling_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.MaxPooling2D(**kwargs)


def test_pooling_window_larger_than_input_message(backend):
    with pytest.raises(ValueError, match=r"max_pool: computed output size would be negative: the window "
                                         r"\(4, 4\) is larger than the input's spatial shape \(2, 5\)"):
        layers.MaxPooling2D(pool_size=4, strides=1)(np.zeros((1, 2, 5, 1), "float32"))


# ------------------------------------------------------------------ global pooling
GLOBAL_CASES = [
    (layers.GlobalMaxPooling1D, {}, (2, 5, 3), np.max, (1,)),
    (layers.GlobalMaxPooling1D, {"data_format": "channels_first", "keepdims": True}, (2, 3, 5), np.max, (2,)),
    (layers.GlobalAveragePooling1D, {}, (2, 5, 3), np.mean, (1,)),
    (layers.GlobalAveragePooling1D, {"keepdims": True}, (2, 5, 3), np.mean, (1,)),
    (layers.GlobalMaxPooling2D, {}, (2, 4, 5, 3), np.max, (1, 2)),
    (layers.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 5, 3), np.max, (1, 2)),
    (layers.GlobalAveragePooling2D, {"data_format": "channels_first"}, (2, 3, 4, 5), np.mean, (2, 3)),
    (layers.GlobalAveragePooling2D, {"keepdims": True, "data_format": "channels_first"}, (2, 3, 4, 5),
     np.mean, (2, 3)),
    (layers.GlobalMaxPooling3D, {}, (2, 2, 3, 4, 3), np.max, (1, 2, 3)),
    (layers.GlobalAveragePooling3D, {"keepdims": True}, (2, 2, 3, 4, 3), np.mean, (1, 2, 3)),
    (layers.GlobalAveragePooling3D, {"data_format": "channels_first"}, (2, 3, 2, 3, 4), np.mean, (2, 3, 4)),
]


@pytest.mark.parametrize("cls, kwargs, shape, reduce, axes", GLOBAL_CASES)
def test_global_pooling_matches_numpy(backend, cls, kwargs, shape, reduce, axes):
    keepdims = kwargs.get("keepdims", False)

    def ref(x, w):
        out = x.astype("float64")
        for a in sorted(axes, reverse=True):
            out = reduce(out, axis=a, keepdims=keepdims)
        return out

    layer_test(cls, kwargs, _x(*shape), reference_fn=ref, expected_weights=[])


@pytest.mark.parametrize("data_format, keepdims", [("channels_last", False), ("channels_last", True),
                                                   ("channels_first", False)])
def test_global_average_pooling1d_mask(backend, data_format, keepdims):
    x = _x(3, 5, 2)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = layers.GlobalAveragePooling1D(data_format=data_format, keepdims=keepdims)
    inputs = x if data_format == "channels_last" else x.transpose(0, 2, 1)
    y = layer(inputs, mask=mask).numpy()
    expected = np.stack([x[i, mask[i]].mean(axis=0) for i in range(3)])
    if keepdims:
        expected = expected[:, None, :]
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    assert y.dtype == np.float32
    assert layer.compute_mask(inputs, mask) is None
    # Masked steps get no gradient; the others 1 / (number of unmasked steps).
    xt = as_tensor(inputs)
    with GradientTape() as tape:
        tape.watch(xt)
        out = layer(xt, mask=mask)
    g = tape.gradient(out, xt).numpy()
    g = g if data_format == "channels_last" else g.transpose(0, 2, 1)
    np.testing.assert_allclose(g, np.repeat((mask / mask.sum(1, keepdims=True))[..., None], 2, -1), rtol=1e-6)


def test_max_pooling2d_in_a_sequential_model_trains(backend):
    from kerasx import models
    model = models.Sequential([layers.MaxPooling2D(input_shape=(4, 4, 2)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = _x(8, 4, 4, 2), _x(8, 1)
    history = model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    assert model.output_shape == (None, 1) and history.history["loss"][-1] < history.history["loss"][0]


def test_bad_arguments_change_no_state():
    # The checks run before the layer takes a name: the next layer still gets the first one.
    for bad in ({"pool_size": 0}, {"strides": (1, 0)}, {"padding": "full"}, {"data_format": "nchw"}):
        with pytest.raises(ValueError):
            layers.MaxPooling2D(**bad)
    with pytest.raises(ValueError):
        layers.GlobalMaxPooling2D(data_format="nchw")
    assert layers.MaxPooling2D().name == "max_pooling2d"
    assert layers.GlobalMaxPooling2D().name == "global_max_pooling2d"


def test_pool_ops_check_their_arguments(backend):
    from kerasx import ops
    x = _x(1, 4, 4, 2)
    with pytest.raises(ValueError, match=r"max_pool with a 2-D pool_size \(2, 2\) expects an input of rank 4 "
                                         r"\(batch, 2 spatial axes, channels\), received shape \(4, 4, 2\)."):
        ops.max_pool(x[0], pool_size=(2, 2), strides=(2, 2))
    with pytest.raises(ValueError, match=r"avg_pool: strides \(2,\) must have one entry per spatial axis, "
                                         r"like pool_size \(2, 2\)."):
        ops.avg_pool(x, pool_size=(2, 2), strides=(2,))
    with pytest.raises(ValueError, match=r"avg_pool: padding must be 'valid' or 'same', received 'full'."):
        ops.avg_pool(x, pool_size=(2, 2), strides=(2, 2), padding="full")
    with pytest.raises(ValueError, match=r"max_pool: pool_size and strides must be positive, received "
                                         r"pool_size=\(0, 2\), strides=\(1, 1\)."):
        ops.max_pool(x, pool_size=(0, 2), strides=(1, 1))
    # TensorFlow allows an empty output ('valid', window one larger than the input, stride 2).
    assert ops.max_pool(x, pool_size=(5, 5), strides=(2, 2)).shape == (1, 0, 0, 2)
