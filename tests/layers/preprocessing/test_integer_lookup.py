"""IntegerLookup: tf.keras's documented outputs, OOV modulo buckets, device Tensor inputs, invert,
config round trips, errors."""
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

VOCAB = [12, 36, 1138, 42]


def test_known_vocabulary(backend):
    out = layers.IntegerLookup(vocabulary=VOCAB)(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert out.dtype == "int64"
    np.testing.assert_array_equal(out.numpy(), [[1, 3, 4], [4, 0, 2]])


def test_adapt(backend):
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(layer(data).numpy(), [[5, 2, 1], [1, 3, 4]])
    # From a Dataset of batches, and from a device Tensor.
    from_ds = layers.IntegerLookup()
    from_ds.adapt(keras.data.Dataset.from_tensor_slices(data.ravel()).batch(4))
    assert from_ds.get_vocabulary() == layer.get_vocabulary()
    from_tensor = layers.IntegerLookup()
    from_tensor.adapt(keras.ops.cast(data, "int64"))
    assert from_tensor.get_vocabulary() == layer.get_vocabulary()


def test_oov_indices_are_the_value_modulo_their_count(backend):
    data = np.array([[12, 1138, 42], [37, 1000, 36]])
    out = layers.IntegerLookup(vocabulary=VOCAB, num_oov_indices=2)(data).numpy()
    np.testing.assert_array_equal(out, [[2, 4, 5], [1, 0, 3]])
    assert out[1, 0] == 37 % 2 and out[1, 1] == 1000 % 2


def test_float_input_is_cast_as_tf_keras_casts_it(backend):
    out = layers.IntegerLookup(vocabulary=VOCAB)(np.array([[12.0, 36.0, 5.0]], "float32"))
    np.testing.assert_array_equal(out.numpy(), [[1, 2, 0]])


def test_device_tensor_input_and_masks(backend):
    x = keras.ops.cast(np.array([[0, 12, 7], [42, 0, 36]]), "int32")
    out = layers.IntegerLookup(vocabulary=VOCAB, mask_token=0)(x).numpy()
    np.testing.assert_array_equal(out, [[0, 2, 1], [5, 0, 3]])


def test_one_hot_and_multi_hot_match_numpy(backend):
    data = np.array([12, 36, 1138, 42, 7])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=VOCAB, output_mode="one_hot")(data).numpy(),
                                  np.eye(5, dtype="float32")[[1, 2, 3, 4, 0]])
    rows = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=VOCAB, output_mode="multi_hot")(rows).numpy(),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])


def test_invert(backend):
    inverse = layers.IntegerLookup(vocabulary=VOCAB, invert=True)
    out = inverse(np.array([[1, 3, 4], [4, 0, 2]]))
    assert out.dtype == "int64"
    np.testing.assert_array_equal(out.numpy(), [[12, 1138, 42], [42, -1, 36]])


def test_config_round_trip(backend):
    layer = layers.IntegerLookup(vocabulary=np.array(VOCAB), mask_token=0, name="il")
    config = layer.get_config()
    assert config["vocabulary"] == VOCAB and config["vocabulary_dtype"] == "int64"
    assert config["oov_token"] == -1 and config["mask_token"] == 0 and config["dtype"] == "int64"
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    data = np.array([[0, 12, 99]])
    np.testing.assert_array_equal(rebuilt(data).numpy(), layer(data).numpy())
    assert rebuilt.get_config() == config
    assert layers.IntegerLookup(oov_value=-7).oov_token == -7  # tf.keras 2.x's deprecated name


@pytest.mark.parametrize("kwargs, message", [
    ({"vocabulary_dtype": "float32"}, r"`vocabulary_dtype` must be an integer dtype. Received: float32"),
    ({"max_tokens": 1}, r"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                        r"max_tokens=1."),
    ({"num_oov_indices": -2}, r"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.IntegerLookup(**kwargs)


def test_string_input_is_refused(backend):
    with pytest.raises(ValueError, match=r'Layer "integer_lookup" \(IntegerLookup\) looks up integers; received '
                                         r"an input of dtype object"):
        layers.IntegerLookup(vocabulary=VOCAB)([["a"]])
