"""EinsumDense against NumPy's einsum, with tf.keras's kernel and bias shapes for the equations
MultiHeadAttention builds and the documented forms (plain, '...' on the left, '...' on the right)."""
import numpy as np
import pytest

from kerasx import layers

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)

CASES = [
    # equation, output_shape, bias_axes, input shape, kernel shape, bias shape
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4), (4, 5), (5,)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 5), (5, 2, 3), (2, 3)),      # MHA's query projection
    ("abcd,cde->abe", (None, 6), "e", (2, 4, 2, 3), (2, 3, 6), (6,)),         # MHA's output projection
    ("abcd,de->abce", (None, None, 3), "e", (2, 3, 4, 5), (5, 3), (3,)),
    ("...b,bc->...c", 4, "c", (2, 3, 5), (5, 4), (4,)),
    ("ab...,bc->ac...", 3, "c", (2, 4, 2, 5), (4, 3), (3, 1, 1)),
    ("abc,cd->abd", (None, 5), None, (2, 3, 4), (4, 5), None),
    ("abc,cde->abde", (None, 2, 3), "d", (2, 4, 5), (5, 2, 3), (2, 1)),
]


def _np_einsum_dense(equation, activation=None):
    def ref(x, weights):
        out = np.einsum(equation, x.astype("float64"), weights[0].astype("float64"))
        if len(weights) > 1:
            out = out + weights[1]
        return np.tanh(out) if activation == "tanh" else out
    return ref


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape, kernel, bias", CASES)
def test_einsum_dense(backend, equation, output_shape, bias_axes, shape, kernel, bias):
    x = RNG.standard_normal(shape).astype("float32")
    expected = [("kernel", kernel)] + ([("bias", bias)] if bias is not None else [])
    layer_test(layers.EinsumDense, kwargs={"equation": equation, "output_shape": output_shape,
                                           "bias_axes": bias_axes, "activation": "tanh",
                                           "bias_initializer": "glorot_uniform"},
               input_data=x, reference_fn=_np_einsum_dense(equation, "tanh"), expected_weights=expected,
               rtol=1e-4, atol=1e-5)


def test_config_is_tf_keras(backend):
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d", name="ed")
    config = layer.get_config()
    assert list(config)[:5] == ["name", "trainable", "dtype", "output_shape", "equation"]
    assert config["output_shape"] == [None, 64] and config["bias_axes"] == "d"
    assert config["activation"] == "linear" and config["kernel_initializer"]["class_name"] == "GlorotUniform"


def test_errors(backend):
    x = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"Invalid einsum equation 'ab,bc'. Equations must be in the form"):
        layers.EinsumDense("ab,bc", 4)(x)
    with pytest.raises(ValueError, match=r"Bias dimension 'q' was requested, but is not part of the output spec "
                                         r"'abd'"):
        layers.EinsumDense("abc,cd->abd", (None, 5), bias_axes="q")(x)
    with pytest.raises(ValueError, match=r"Input shape and output shape do not match at shared dimension 'b'. "
                                         r"Input shape is 3, and output shape is 7"):
        layers.EinsumDense("abc,cd->abd", (7, 5))(x)
    with pytest.raises(ValueError, match=r"Weight dimension 'z' did not have a match in either the input spec "
                                         r"'abc' or the output spec 'abd'"):
        layers.EinsumDense("abc,cdz->abd", (None, 5))(x)
    with pytest.raises(ValueError, match=r"the equation's input spec 'ab' names 2 axes but the input has rank 3"):
        layers.EinsumDense("ab,bc->ac", 4)(x)
    with pytest.raises(TypeError, match=r"`bias_axes` must be a string of output axes or None, received 3"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes=3)
