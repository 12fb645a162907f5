"""Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: outputs against a NumPy scatter loop, the output
lengths Keras computes (with and without output_padding), the adjoint relation to ConvND, tf.keras
configs and errors."""
import numpy as np
import pytest

from kerasx import GradientTape, layers, ops
from tests.layers import conv_test_utils as ref
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)
TOL = dict(rtol=1e-4, atol=1e-5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def keras_deconv_length(n, k, padding, output_padding, stride, dilation):
    """conv_utils.deconv_output_length, written out from tf.keras's docstring."""
    k = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        return n * stride + max(k - stride, 0) if padding == "valid" else n * stride
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


def transpose_reference(rank, kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                        data_format="channels_last", use_bias=True):
    s, r, k = _tuple(strides, rank), _tuple(dilation_rate, rank), _tuple(kernel_size, rank)
    op = (None,) * rank if output_padding is None else _tuple(output_padding, rank)

    def channels_last(x, weights):
        out_spatial = tuple(keras_deconv_length(n, kk, padding, p, ss, rr)
                            for n, kk, p, ss, rr in zip(x.shape[1:-1], k, op, s, r))
        pads = ref.tf_padding(padding, out_spatial, k, s, r)
        out = ref.conv_transpose(x, weights[0], out_spatial, s, pads, r)
        return out + weights[1] if use_bias else out

    return ref.channels_first(channels_last) if data_format == "channels_first" else channels_last


CASES = [
    (layers.Conv1DTranspose, {"filters": 3, "kernel_size": 3}, (2, 5, 2)),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 5, 3)),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 2, "strides": 3}, (2, 4, 3)),  # kernel < stride
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (1, 6, 2)),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 3}, (2, 4, 5, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 4, 3)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, (2, 3, 4, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": (2, 1), "padding": "same",
                              "output_padding": (1, 0)}, (1, 4, 5, 2)),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
     (2, 2, 3, 4)),
    (layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 3, 2, 2)),
    (layers.Conv3DTranspose, {"filters": 2, "kernel_size": 3, "padding": "same", "use_bias": False},
     (1, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("cls, kwargs, shape", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_transposed_layers_match_loops(backend, cls, kwargs, shape):
    rank = len(shape) - 2
    data_format = kwargs.get("data_format", "channels_last")
    channels = shape[1] if data_format == "channels_first" else shape[-1]
    use_bias = kwargs.get("use_bias", True)
    dilation = kwargs.get("dilation_rate", 1) if cls is not layers.Conv3DTranspose else 1
    reference = transpose_reference(rank, kwargs["kernel_size"], kwargs.get("strides", 1),
                                    kwargs.get("padding", "valid"), kwargs.get("output_padding"), dilation,
                                    data_format, use_bias)
    expected = [("kernel", _tuple(kwargs["kernel_size"], rank) + (kwargs["filters"], channels))]
    expected += [("bias", (kwargs["filters"],))] if use_bias else []
    layer_test(cls, kwargs, _x(*shape), reference_fn=reference, expected_weights=expected, **TOL)


def test_conv2d_transpose_is_the_adjoint_of_conv2d(backend):
    """<conv(x), y> == <x, conv_transpose(y)> with one shared kernel: the defining property."""
    conv = layers.Conv2D(3, 3, strides=2, padding="same", use_bias=False)
    x = _x(2, 7, 7, 2)
    y = _x(*conv(x).shape)
    deconv = layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=0, use_bias=False)
    deconv(y)
    deconv.set_weights(conv.get_weights())
    lhs = float(np.sum(conv(x).numpy().astype("float64") * y))
    back = deconv(y).numpy()
    assert back.shape == x.shape
    assert lhs == pytest.approx(float(np.sum(back.astype("float64") * x)), rel=1e-5)
    # ... and the gradient of conv with respect to its input is the transposed convolution of y.
    xt = ops.cast(x, "float32")
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.multiply(conv(xt), y))
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy(), back, rtol=1e-5, atol=1e-5)


def test_output_shapes():
    assert layers.Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape(
        (None, 7, 7, 3)) == (None, 14, 14, 4)
    assert layers.Conv2DTranspose(4, 3, strides=2).compute_output_shape((None, 7, None, 3)) == (None, 15, None, 4)
    assert layers.Conv2DTranspose(4, 3, strides=2, output_padding=1).compute_output_shape(
        (2, 7, 7, 3)) == (2, 16, 16, 4)
    assert layers.Conv1DTranspose(2, 4, strides=2, data_format="channels_first").compute_output_shape(
        (None, 3, 5)) == (None, 2, 12)
    assert layers.Conv3DTranspose(1, 2, strides=(1, 2, 3)).compute_output_shape(
        (None, 2, 2, 2, 5)) == (None, 3, 4, 6, 1)


def test_configs_are_tf_keras():
    config = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1).get_config()
    assert list(config)[-2:] == ["bias_constraint", "output_padding"]
    assert config["output_padding"] == (1, 1) and config["groups"] == 1 and config["dilation_rate"] == (1, 1)
    # tf.keras's Conv3DTranspose ignores dilation_rate and leaves it out of its config.
    assert "dilation_rate" not in layers.Conv3DTranspose(2, 2).get_config()
    assert layers.Conv1DTranspose(2, 2).get_config()["output_padding"] is None
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert isinstance(layers.Conv2DTranspose(1, 1), layers.Conv2D)


def test_errors():
    with pytest.raises(ValueError, match=r"Strides must be greater than output padding. Received strides=\(2, "
                                         r"2\), output_padding=\(2, 2\)."):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"Inputs should have rank 4. Received input_shape=\(None, 4, 4, 4, 2\)."):
        layers.Conv2DTranspose(2, 3)(layers.Input(shape=(4, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"The channel dimension of the inputs to `Conv1DTranspose` should be "
                                         r"defined."):
        layers.Conv1DTranspose(2, 3)(layers.Input(shape=(4, None)))
    # An even kernel with 'same' and no output padding gives an output that does not convolve back to the
    # input's size: tf's conv2d_transpose refuses it too.
    with pytest.raises(ValueError, match=r"conv_transpose: an output of spatial shape \(7, 4\) gives back "
                                         r"inputs of spatial shape \(4, 4\) .* not \(4, 5\)"):
        layers.Conv2DTranspose(2, (3, 2), strides=(2, 1), padding="same", output_padding=0)(_x(1, 4, 5, 2))
    with pytest.raises(ValueError, match="'causal' is not supported by Conv1DTranspose"):
        layers.Conv1DTranspose(2, 3, padding="causal")
