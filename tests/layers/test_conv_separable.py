"""SeparableConv1D/2D and DepthwiseConv1D/2D: outputs against NumPy loops, tf.keras weights and configs."""
import numpy as np
import pytest

from kerasx import layers
from tests.layers import conv_test_utils as ref
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(9)
TOL = dict(rtol=1e-4, atol=1e-5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _reference(rank, kwargs, separable):
    k = _tuple(kwargs["kernel_size"], rank)
    s, r = _tuple(kwargs.get("strides", 1), rank), _tuple(kwargs.get("dilation_rate", 1), rank)
    padding, use_bias = kwargs.get("padding", "valid"), kwargs.get("use_bias", True)
    activation = {"relu": lambda y: np.maximum(y, 0), None: None}[kwargs.get("activation")]

    def channels_last(x, weights):
        out = ref.depthwise_conv(x, weights[0], s, ref.tf_padding(padding, x.shape[1:-1], k, s, r), r)
        if separable:
            out = ref.conv(out, weights[1], (1,) * rank, ((0, 0),) * rank, (1,) * rank)
        if use_bias:
            out = out + weights[-1]
        return activation(out) if activation else out

    if kwargs.get("data_format") == "channels_first":
        return ref.channels_first(channels_last)
    return channels_last


SEPARABLE = [
    (layers.SeparableConv1D, {"filters": 4, "kernel_size": 3}, (2, 9, 3)),
    (layers.SeparableConv1D, {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                              "depth_multiplier": 2}, (2, 8, 2)),
    (layers.SeparableConv2D, {"filters": 4, "kernel_size": 3, "activation": "relu"}, (2, 6, 7, 3)),
    (layers.SeparableConv2D, {"filters": 3, "kernel_size": (3, 2), "strides": 2, "padding": "same",
                              "depth_multiplier": 2}, (2, 7, 6, 2)),
    (layers.SeparableConv2D, {"filters": 2, "kernel_size": 2, "data_format": "channels_first",
                              "use_bias": False}, (1, 3, 5, 5)),
]


@pytest.mark.parametrize("cls, kwargs, shape", SEPARABLE,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(SEPARABLE)])
def test_separable_layers_match_loops(backend, cls, kwargs, shape):
    rank = len(shape) - 2
    channels = shape[1] if kwargs.get("data_format") == "channels_first" else shape[-1]
    dm = kwargs.get("depth_multiplier", 1)
    expected = [("depthwise_kernel", _tuple(kwargs["kernel_size"], rank) + (channels, dm)),
                ("pointwise_kernel", (1,) * rank + (channels * dm, kwargs["filters"]))]
    expected += [("bias", (kwargs["filters"],))] if kwargs.get("use_bias", True) else []
    layer_test(cls, kwargs, _x(*shape), reference_fn=_reference(rank, kwargs, True), expected_weights=expected,
               **TOL)


DEPTHWISE = [
    (layers.DepthwiseConv1D, {"kernel_size": 3}, (2, 9, 3)),
    (layers.DepthwiseConv1D, {"kernel_size": 2, "strides": 2, "padding": "same", "depth_multiplier": 3}, (2, 7, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "activation": "relu"}, (2, 6, 6, 3)),
    (layers.DepthwiseConv2D, {"kernel_size": (3, 2), "strides": (2, 1), "padding": "same", "depth_multiplier": 2},
     (2, 7, 6, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 7, 7, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 2, "data_format": "channels_first", "depth_multiplier": 2},
     (1, 2, 5, 4)),
]


@pytest.mark.parametrize("cls, kwargs, shape", DEPTHWISE,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(DEPTHWISE)])
def test_depthwise_layers_match_loops(backend, cls, kwargs, shape):
    rank = len(shape) - 2
    channels = shape[1] if kwargs.get("data_format") == "channels_first" else shape[-1]
    dm = kwargs.get("depth_multiplier", 1)
    expected = [("depthwise_kernel", _tuple(kwargs["kernel_size"], rank) + (channels, dm)),
                ("bias", (channels * dm,))]
    layer_test(cls, kwargs, _x(*shape), reference_fn=_reference(rank, kwargs, False), expected_weights=expected,
               **TOL)


def test_separable_config_keeps_the_base_conv_entries():
    # tf.keras's SeparableConv.get_config starts from Conv.get_config, so kernel_*/groups stay in it.
    config = layers.SeparableConv2D(4, 3, depth_multiplier=2).get_config()
    for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint", "depth_multiplier",
                "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
                "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"):
        assert key in config, key
    assert config["depth_multiplier"] == 2
    assert config["pointwise_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert layers.SeparableConv2D.from_config(config).get_config() == config
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.SeparableConvolution1D is layers.SeparableConv1D


def test_depthwise_config_drops_the_kernel_entries():
    config = layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_regularizer="l2").get_config()
    for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        assert key not in config, key
    assert list(config)[-4:] == ["depth_multiplier", "depthwise_initializer", "depthwise_regularizer",
                                 "depthwise_constraint"]
    assert config["groups"] == 1 and config["depthwise_regularizer"]["class_name"] == "L2"
    assert layers.DepthwiseConv2D.from_config(config).get_config() == config


def test_depthwise_output_shape_and_errors():
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3)
    assert layer.compute_output_shape((None, 7, 8, 2)) == (None, 4, 4, 6)
    assert layer.compute_output_shape((None, None, 8, None)) == (None, None, 4, None)
    with pytest.raises(ValueError, match=r"Inputs to `DepthwiseConv` should have rank 4. Received "
                                         r"input_shape=\(None, 3, 4, 5, 2\)."):
        layers.DepthwiseConv2D(2)(layers.Input(shape=(3, 4, 5, 2)))
    with pytest.raises(ValueError, match="Causal padding is only supported for `Conv1D`and `SeparableConv1D`."):
        layers.DepthwiseConv1D(2, padding="causal")
    with pytest.raises(ValueError, match=r"The channel dimension of the inputs should be defined."):
        layers.SeparableConv2D(2, 2)(layers.Input(shape=(4, 4, None)))
