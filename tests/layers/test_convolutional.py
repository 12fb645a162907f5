"""Conv1D, Conv2D, Conv3D: outputs against direct NumPy loops (tests/layers/conv_test_utils.py) over
strides, padding ('valid', 'same', 'causal'), dilation, groups and both data formats; `layer_test` for
each; tf.keras configs and error messages."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from tests.layers import conv_test_utils as ref
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(11)
TOL = dict(rtol=1e-4, atol=1e-5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def conv_reference(rank, kernel_size, strides=1, padding="valid", dilation_rate=1, groups=1,
                   data_format="channels_last", activation=None, use_bias=True):
    """NumPy reference of a ConvND layer with the given arguments, as `reference_fn(x, weights)`."""
    s, r, k = _tuple(strides, rank), _tuple(dilation_rate, rank), _tuple(kernel_size, rank)

    def channels_last(x, weights):
        out = ref.conv(x, weights[0], s, ref.tf_padding(padding, x.shape[1:-1], k, s, r), r, groups)
        if use_bias:
            out = out + weights[1]
        return activation(out) if activation else out

    fn = ref.channels_first(channels_last) if data_format == "channels_first" else channels_last
    return lambda x, weights: fn(x, weights)


def _relu(y):
    return np.maximum(y, 0)


CASES = [
    (layers.Conv1D, {"filters": 4, "kernel_size": 3}, (2, 9, 3)),
    (layers.Conv1D, {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same"}, (2, 9, 3)),
    (layers.Conv1D, {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 10, 2)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, (2, 3, 8)),
    (layers.Conv1D, {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same"}, (2, 7, 4)),
    (layers.Conv2D, {"filters": 4, "kernel_size": 3, "activation": "relu"}, (2, 7, 7, 3)),
    (layers.Conv2D, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 8, 3)),
    (layers.Conv2D, {"filters": 3, "kernel_size": (3, 2), "dilation_rate": 2, "padding": "same"}, (2, 8, 7, 2)),
    (layers.Conv2D, {"filters": 3, "kernel_size": (2, 3), "strides": (1, 2), "data_format": "channels_first",
                     "activation": "relu"}, (2, 3, 6, 7)),
    (layers.Conv2D, {"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False, "activation": "tanh"},
     (2, 6, 6, 4)),
    (layers.Conv2D, {"filters": 2, "kernel_size": 1, "bias_initializer": "ones"}, (2, 5, 5, 3)),
    # Eight channels or more: the chunked im2col path of the kernels (fewer build patches per offset).
    (layers.Conv2D, {"filters": 5, "kernel_size": 3, "padding": "same", "activation": "relu"}, (3, 6, 5, 8)),
    (layers.Conv1D, {"filters": 4, "kernel_size": 3, "strides": 2, "groups": 2}, (2, 9, 16)),
    (layers.Conv3D, {"filters": 2, "kernel_size": 2}, (2, 4, 5, 4, 2)),
    (layers.Conv3D, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
     (1, 5, 4, 6, 2)),
    (layers.Conv3D, {"filters": 2, "kernel_size": (2, 1, 2), "data_format": "channels_first"}, (1, 2, 3, 4, 4)),
]
ACTIVATIONS = {"relu": _relu, "tanh": np.tanh}


@pytest.mark.parametrize("cls, kwargs, shape", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_conv_layers_match_loops(backend, cls, kwargs, shape):
    rank = len(shape) - 2
    data_format = kwargs.get("data_format", "channels_last")
    groups = kwargs.get("groups", 1)
    channels = shape[1] if data_format == "channels_first" else shape[-1]
    reference = conv_reference(rank, kwargs["kernel_size"], kwargs.get("strides", 1), kwargs.get("padding", "valid"),
                               kwargs.get("dilation_rate", 1), groups, data_format,
                               ACTIVATIONS.get(kwargs.get("activation")), kwargs.get("use_bias", True))
    kernel_shape = _tuple(kwargs["kernel_size"], rank) + (channels // groups, kwargs["filters"])
    expected = [("kernel", kernel_shape)] + ([("bias", (kwargs["filters"],))] if kwargs.get("use_bias", True) else [])
    layer_test(cls, kwargs, _x(*shape), reference_fn=reference, expected_weights=expected, **TOL)


def test_conv2d_config_is_tf_keras():
    config = layers.Conv2D(8, 3, activation="relu").get_config()
    assert list(config) == [
        "name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "data_format",
        "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"]
    assert config == {
        "name": "conv2d", "trainable": True, "dtype": "float32", "filters": 8, "kernel_size": (3, 3),
        "strides": (1, 1), "padding": "valid", "data_format": "channels_last", "dilation_rate": (1, 1),
        "groups": 1, "activation": "relu", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def test_conv1d_defaults_to_channels_last_even_when_the_config_says_otherwise():
    # As tf.keras: Conv1D's data_format default is "channels_last", not image_data_format().
    from kerasx.backend import image_data_format, set_image_data_format
    before = image_data_format()
    set_image_data_format("channels_first")
    try:
        assert layers.Conv1D(2, 3).data_format == "channels_last"
        assert layers.Conv2D(2, 3).data_format == "channels_first"
    finally:
        set_image_data_format(before)


def test_regularizers_constraints_and_initializers_reach_the_weights(backend):
    layer = layers.Conv2D(3, 2, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(0.5),
                          kernel_regularizer=keras.regularizers.l2(0.1), bias_regularizer="l1",
                          activity_regularizer=keras.regularizers.l2(0.01),
                          kernel_constraint=keras.constraints.NonNeg(), bias_constraint="max_norm")
    x = _x(2, 4, 4, 2)
    y = layer(x).numpy()
    np.testing.assert_allclose(layer.kernel.numpy(), 1.0)
    np.testing.assert_allclose(layer.bias.numpy(), 0.5)
    np.testing.assert_allclose(y, conv_reference(2, 2)(x, [w.numpy() for w in layer.weights]), **TOL)
    penalties = [float(p) for p in layer.losses]
    assert penalties[0] == pytest.approx(0.1 * 2 * 2 * 2 * 3) and penalties[1] == pytest.approx(0.01 * 1.5)
    assert penalties[2] == pytest.approx(0.01 * float(np.sum(y.astype("float64") ** 2)) / 2, rel=1e-4)
    assert layer.kernel.constraint is layer.kernel_constraint
    config = layer.get_config()
    rebuilt = layers.Conv2D.from_config(config)
    assert rebuilt.get_config() == config


def test_aliases_are_the_tf_keras_classes():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D
    assert layers.deserialize({"class_name": "Conv2D", "config": layers.Conv2D(2, 3).get_config()}).filters == 2


def test_output_shapes_with_unknown_dimensions():
    layer = layers.Conv2D(5, 3, strides=2, padding="valid")
    assert layer.compute_output_shape((None, 28, 28, 1)) == (None, 13, 13, 5)
    assert layer.compute_output_shape((None, None, 28, 1)) == (None, None, 13, 5)
    same = layers.Conv1D(4, 5, strides=3, padding="same")
    assert same.compute_output_shape((2, 10, 3)) == (2, 4, 4)
    causal = layers.Conv1D(4, 5, dilation_rate=2, padding="causal")
    assert causal.compute_output_shape((None, 10, 3)) == (None, 10, 4)
    first = layers.Conv3D(6, 2, data_format="channels_first")
    assert first.compute_output_shape((1, 3, 4, 5, 6)) == (1, 6, 3, 4, 5)


def test_extra_leading_batch_axes_are_folded(backend):
    # tf.keras's Conv accepts inputs of rank > rank + 2: the leading axes all act as the batch.
    layer = layers.Conv2D(3, 2)
    x = _x(2, 3, 5, 5, 2)
    y = layer(x).numpy()
    assert y.shape == (2, 3, 4, 4, 3)
    np.testing.assert_allclose(y[1, 2], layer(x[1, 2:3]).numpy()[0], rtol=1e-6, atol=1e-6)


def test_functional_model_trains_and_saves(backend, tmp_path):
    inputs = layers.Input(shape=(8, 8, 1))
    h = layers.Conv2D(4, 3, activation="relu", padding="same")(inputs)
    h = layers.Conv2D(4, 3, strides=2, activation="relu")(h)
    outputs = layers.Dense(2, activation="softmax")(layers.Flatten()(h))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _x(16, 8, 8, 1), RNG.integers(0, 2, 16)
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "cnn.h5")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ errors, in tf.keras's words
def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv2d" \(Conv2D\) is incompatible: expected '
                                         r"min_ndim=4, found ndim=3. Full shape received: \(None, 28, 28\)"):
        layers.Conv2D(32, 3)(layers.Input(shape=(28, 28)))


def test_channel_mismatch_after_build(backend):
    layer = layers.Conv2D(2, 3)
    layer(_x(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv2d" \(Conv2D\) is incompatible: expected '
                                         r"last dimension 3, received input with shape \(1, 5, 5, 1\)"):
        layer(_x(1, 5, 5, 1))


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0, "kernel_size": 3}, "Invalid value for argument `filters`. Expected a strictly positive "
                                       "value. Received filters=0."),
    ({"filters": 5, "kernel_size": 3, "groups": 2}, "The number of filters must be evenly divisible by the "
                                                    "number of groups. Received: groups=2, filters=5"),
    ({"filters": 2, "kernel_size": (3, 0)}, "The `kernel_size` argument must be a tuple of 2 integers. "
                                            "Received: (3, 0) including {0} that does not satisfy the "
                                            "requirement `> 0`."),
    ({"filters": 2, "kernel_size": (3, 3, 3)}, "The `kernel_size` argument must be a tuple of 2 integers. "
                                               "Received: (3, 3, 3)"),
    ({"filters": 2, "kernel_size": 3, "strides": 0}, "The argument `strides` cannot contains 0(s). "
                                                     "Received: (0, 0)"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "Causal padding is only supported for `Conv1D`and "
                                                            "`SeparableConv1D`."),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, 'The `padding` argument must be a list/tuple or one '
                                                          'of "valid", "same" (or "causal", only for `Conv1D). '
                                                          "Received: full"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
     "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=(2, 2) and "
     "dilation_rate=(2, 2)"),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_middle"},
     'The `data_format` argument must be one of "channels_first", "channels_last". Received: channels_middle'),
])
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        layers.Conv2D(**kwargs)
    assert str(info.value) == message


def test_build_errors():
    with pytest.raises(ValueError, match=r"The number of input channels must be evenly divisible by the number "
                                         r"of groups. Received groups=2, but the input has 3 channels \(full "
                                         r"input shape is \(None, 8, 8, 3\)\)."):
        layers.Conv2D(4, 3, groups=2)(layers.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r"The channel dimension of the inputs should be defined. The input_shape "
                                         r"received is \(None, 8, 8, None\), where axis -1 \(0-based\) is the "
                                         r"channel dimension, which found to be `None`."):
        layers.Conv2D(4, 3)(layers.Input(shape=(8, 8, None)))
    with pytest.raises(ValueError, match=r"One of the dimensions in the output is <= 0 due to downsampling in "
                                         r"conv2d_2. Consider increasing the input size. Received input shape "
                                         r"\[None, 2, 8, 1\] which would produce output shape with a zero or "
                                         r"negative value in a dimension."):
        layers.Conv2D(4, 3)(layers.Input(shape=(2, 8, 1)))
