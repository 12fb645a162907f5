"""CategoryEncoding and `encode_categorical_inputs` against NumPy counts for each output mode and input
rank, count weights, output shapes, config, a model that trains on its outputs, and the errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

RNG = np.random.default_rng(2)


def np_encode(x, mode, depth, weights=None):
    x = np.asarray(x)
    if mode == "one_hot":
        x = x if x.ndim and x.shape[-1] == 1 else x[..., None]
    x = np.atleast_1d(x)
    w = np.ones(x.shape) if weights is None else np.asarray(weights, "float64")
    out = np.zeros(x.shape[:-1] + (depth,))
    for index in np.ndindex(*x.shape):
        out[index[:-1] + (x[index],)] += w[index]
    return np.minimum(out, 1) if mode in ("one_hot", "multi_hot") else out


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("x", [np.array([[0, 3, 3, 1], [2, 2, 5, 0]]), np.array([4, 0, 2]), np.array([[1], [5]]),
                               np.array(3)])
def test_encodings_match_numpy(backend, mode, x):
    if mode == "one_hot" and x.ndim == 2 and x.shape[-1] != 1:
        with pytest.raises(ValueError, match=r"When output_mode is not `'int'`, maximum supported output rank is 2. "
                                             r"Received output_mode one_hot and input shape \(2, 4\), which would "
                                             r"result in output rank 3."):
            layers.CategoryEncoding(6, mode)(x)
        return
    layer = layers.CategoryEncoding(num_tokens=6, output_mode=mode)
    y = layer(x)
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.numpy(), np_encode(x, mode, 6))
    assert tuple(layer.compute_output_shape(x.shape)) == y.shape


def test_count_weights_and_float_inputs(backend):
    x = np.array([[0, 1, 1], [2, 2, 2]])
    w = RNG.random((2, 3)).astype("float32")
    y = layers.CategoryEncoding(3, "count")(x, count_weights=w)
    np.testing.assert_allclose(y.numpy(), np_encode(x, "count", 3, w), rtol=1e-6)
    np.testing.assert_array_equal(layers.CategoryEncoding(3)(x.astype("float32")).numpy(), np_encode(x, "multi_hot", 3))
    assert layers.CategoryEncoding(3, dtype="float64")(x).dtype == "float64"
    assert layers.CategoryEncoding(3, "binary").output_mode == "multi_hot"  # tf.keras's old name


def test_config_and_a_model_that_trains(backend):
    layer = layers.CategoryEncoding(num_tokens=5, output_mode="count")
    config = layer.get_config()
    assert (config["num_tokens"], config["output_mode"], config["sparse"]) == (5, "count", False)
    assert layers.deserialize(layers.serialize(layer)).get_config() == config
    inputs = keras.Input((4,), dtype="int32")
    outputs = layers.Dense(1)(layers.CategoryEncoding(5)(inputs))
    model = keras.Model(inputs, outputs)
    assert model.layers[1].compute_output_shape((None, 4)) == (None, 5)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x = RNG.integers(0, 5, (32, 4))
    y = (x == 2).any(1, keepdims=True).astype("float32")
    history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_errors(backend):
    with pytest.raises(ValueError, match=r"num_tokens must be set to use this layer"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match=r"`num_tokens` must be >= 1. Received: num_tokens=0."):
        layers.CategoryEncoding(0)
    with pytest.raises(ValueError, match=r"Unknown `output_mode` argument passed to CategoryEncoding layer: 'tf_idf'. "
                                         r"Allowed values are: \['count', 'one_hot', 'multi_hot'\]."):
        layers.CategoryEncoding(3, "tf_idf")
    with pytest.raises(ValueError, match=r"CategoryEncoding\(sparse=True\) returns a TensorFlow SparseTensor"):
        layers.CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match=r'Input values of layer "category_encoding(_\d+)?" \(CategoryEncoding\) '
                                         r"must be in the range 0 <= values < num_tokens with num_tokens=3. Received "
                                         r"values in \[-1, 3\]."):
        layers.CategoryEncoding(3)(np.array([[0, 3], [-1, 1]]))
    with pytest.raises(ValueError, match=r"`count_weights` is not used when `output_mode` is not `'count'`."):
        layers.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match=r"`count_weights` must have the shape of the inputs \(1, 2\). Received "
                                         r"count_weights of shape \(1, 3\)."):
        layers.CategoryEncoding(3, "count")(np.array([[0, 1]]), count_weights=np.ones((1, 3), "float32"))
