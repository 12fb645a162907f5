"""Hashing: tf.keras's documented outputs, bins computed independently with FarmHash, encodings as NumPy
formulas, config round trips, a trained functional model, argument errors."""
import json

import farmhash
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def _bins(strings, num_bins):
    return np.array([farmhash.fingerprint64(s) % num_bins for s in strings], dtype=np.int64)


@pytest.mark.parametrize("kwargs, data, expected", [
    ({"num_bins": 3}, LETTERS, [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
])
def test_tf_keras_docstring_examples(backend, kwargs, data, expected):
    out = layers.Hashing(**kwargs)(data)
    assert out.dtype == "int64" and out.shape == (5, 1)
    assert out.numpy().ravel().tolist() == expected


def test_integers_hash_as_their_decimal_strings(backend):
    ints = np.array([[7], [-3], [123456789012]])
    out = layers.Hashing(num_bins=11)(ints).numpy()
    np.testing.assert_array_equal(out.ravel(), _bins(["7", "-3", "123456789012"], 11))
    # A device Tensor of integers is read back and hashed the same way.
    np.testing.assert_array_equal(layers.Hashing(num_bins=11)(keras.ops.cast(ints, "int32")).numpy(), out)


def test_mask_value_takes_bin_zero_on_integers(backend):
    data = np.array([[0, 5], [9, 0]])
    out = layers.Hashing(num_bins=4, mask_value=0)(data).numpy()
    expected = np.where(data == 0, 0, _bins([str(v) for v in data.ravel()], 3).reshape(2, 2) + 1)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_encoded_outputs_match_numpy(backend, mode):
    words = [["a", "b", "a"], ["c", "c", "d"]]
    flat = [w for row in words for w in row]
    bins = _bins(flat, 6).reshape(2, 3)
    hot = (bins[..., None] == np.arange(6)).astype("float32")
    expected = hot.max(axis=1) if mode == "multi_hot" else hot.sum(axis=1)
    out = layers.Hashing(num_bins=6, output_mode=mode)(words)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), expected)
    # A rank-1 input is one sample.
    np.testing.assert_array_equal(layers.Hashing(num_bins=6, output_mode=mode)(flat).numpy(),
                                  (hot.reshape(6, 6).max(axis=0) if mode == "multi_hot" else hot.reshape(6, 6).sum(axis=0)))


def test_one_hot_of_a_rank_one_input_and_rank_limit(backend):
    flat = ["a", "b", "c", "a"]
    out = layers.Hashing(num_bins=6, output_mode="one_hot")(flat).numpy()
    np.testing.assert_array_equal(out, np.eye(6, dtype="float32")[_bins(flat, 6)])
    with pytest.raises(ValueError, match=r"When output_mode is not `'int'`, maximum supported output rank is 2. "
                                         r"Received output_mode one_hot and input shape \(2, 2\), which would "
                                         r"result in output rank 3"):
        layers.Hashing(num_bins=6, output_mode="one_hot")([flat[:2], flat[2:]])


def test_one_hot_encodes_a_last_axis_of_one_in_place(backend):
    out = layers.Hashing(num_bins=3, output_mode="one_hot")(LETTERS).numpy()
    np.testing.assert_array_equal(out, np.eye(3, dtype="float32")[[1, 0, 1, 1, 2]])


def test_config_round_trip(backend):
    layer = layers.Hashing(num_bins=5, mask_value="", salt=(1, 2), output_mode="count", name="h")
    config = layer.get_config()
    assert config == {"name": "h", "trainable": True, "dtype": "float32", "num_bins": 5, "salt": [1, 2],
                      "mask_value": "", "output_mode": "count", "sparse": False}
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    data = [["x", "y", ""], ["", "z", "z"]]
    np.testing.assert_array_equal(rebuilt(data).numpy(), layer(data).numpy())
    assert rebuilt.get_config() == config
    assert layers.Hashing(3).get_config()["dtype"] == "int64"


def test_functional_model_trains(backend):
    rng = np.random.default_rng(0)
    words = np.array(["red", "green", "blue", "cyan", "pink", "gold"], dtype=object)
    x = words[rng.integers(0, 6, 96)].reshape(-1, 1)
    y = np.isin(x[:, 0], ["red", "blue", "pink"]).astype("float32")
    inp = keras.Input(shape=(1,), dtype="string")
    h = layers.Hashing(num_bins=64)(inp)
    assert h.shape == (None, 1) and h.dtype == "int64"
    e = layers.Embedding(64, 8)(h)
    out = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(e))
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, shuffle=True, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    pred = model.predict(np.array([["red"], ["green"]], dtype=object), verbose=0)
    assert pred[0, 0] > 0.5 > pred[1, 0]


@pytest.mark.parametrize("kwargs, message", [
    ({"num_bins": 0}, r"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: num_bins=0"),
    ({"num_bins": None}, r"Received: num_bins=None"),
    ({"num_bins": 3, "salt": "x"}, r"The `salt` argument for `Hashing` can only be a tuple of size 2 integers, "
                                   r"or a single integer. Received: salt=x"),
    ({"num_bins": 3, "salt": [1, 2, 3]}, r"Received: salt=\[1, 2, 3\]"),
    ({"num_bins": 3, "output_mode": "tf_idf"}, r"The `output_mode` argument of layer Hashing received an invalid "
                                               r"value `tf_idf`. Allowed values are: `int`, `one_hot`"),
    ({"num_bins": 3, "sparse": True}, r"`sparse` may only be true if `output_mode` is"),
    ({"num_bins": 3, "output_mode": "count", "sparse": True}, r"Hashing: kerasx has no sparse or ragged tensors"),
    ({"num_bins": 3, "dtype": "float32"}, r"When `output_mode='int'`, `dtype` should be an integer type. "
                                          r"Received: dtype=float32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Hashing(**kwargs)


def test_float_input_is_refused(backend):
    with pytest.raises(ValueError, match=r'Layer "hashing" \(Hashing\) takes strings or integers; received an '
                                         r"input of dtype float32"):
        layers.Hashing(3)(np.zeros((2, 1), "float32"))


def test_experimental_alias():
    from kerasx.layers.experimental import preprocessing
    assert preprocessing.Hashing is layers.Hashing
    assert keras.layers.experimental.preprocessing.TextVectorization is layers.TextVectorization
