"""HashedCrossing: tf.keras's documented outputs, the FingerprintCat64 chain computed in the test,
shapes, config round trip, a functional model with two inputs, errors."""
import json

import farmhash
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

FEAT1 = ["A", "B", "A", "B", "A"]
FEAT2 = [101, 101, 101, 102, 102]


def _cat(fp1, fp2):
    mul, mask = 0xC6A4A7935BD1E995, (1 << 64) - 1
    r = fp1 ^ mul
    r ^= (((fp2 * mul) & mask) ^ (((fp2 * mul) & mask) >> 47)) * mul & mask
    r = (r * mul) & mask
    r = ((r ^ (r >> 47)) * mul) & mask
    return r ^ (r >> 47)


def _cross(strings, ints, num_bins):
    return [_cat(_cat(0xDECAFCAFFE, farmhash.fingerprint64(str(s))), int(i)) % num_bins for s, i in zip(strings, ints)]


def test_docstring_examples(backend):
    out = layers.HashedCrossing(num_bins=5)((np.array(FEAT1), np.array(FEAT2)))
    assert out.dtype == "int64" and out.shape == (5,)
    assert out.numpy().tolist() == [1, 4, 1, 1, 3] == _cross(FEAT1, FEAT2, 5)
    hot = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((FEAT1, FEAT2))
    assert hot.dtype == "float32"
    np.testing.assert_array_equal(hot.numpy(), np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])


def test_shapes_are_kept(backend):
    out = layers.HashedCrossing(num_bins=97)([np.array(FEAT1).reshape(5, 1), np.array(FEAT2).reshape(5, 1)])
    assert out.shape == (5, 1)
    assert out.numpy().ravel().tolist() == _cross(FEAT1, FEAT2, 97)
    scalar = layers.HashedCrossing(num_bins=97)([np.array("A"), np.array(101)])
    assert scalar.shape == () and int(scalar.numpy()) == _cross(["A"], [101], 97)[0]


def test_functional_model_and_config(backend):
    a = keras.Input(shape=(1,), dtype="string")
    b = keras.Input(shape=(1,), dtype="int64")
    crossed = layers.HashedCrossing(num_bins=16, output_mode="one_hot", name="cross")([a, b])
    assert crossed.shape == (None, 16)
    model = keras.Model([a, b], layers.Dense(1, activation="sigmoid")(crossed))
    x1 = np.array(FEAT1 * 4, dtype=object).reshape(-1, 1)
    x2 = np.array(FEAT2 * 4).reshape(-1, 1)
    y = (np.array(_cross(x1.ravel(), x2.ravel(), 16)) % 2).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    history = model.fit([x1, x2], y, epochs=20, batch_size=5, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    layer = model.get_layer("cross")
    config = layer.get_config()
    assert config == {"name": "cross", "trainable": True, "dtype": "float32", "num_bins": 16,
                      "output_mode": "one_hot", "sparse": False}
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    np.testing.assert_array_equal(rebuilt([x1, x2]).numpy(), layer([x1, x2]).numpy())


def test_errors(backend):
    layer = layers.HashedCrossing(num_bins=3)
    with pytest.raises(ValueError, match=r"`HashedCrossing` should be called on a list or tuple of inputs"):
        layer(np.array(FEAT2))
    with pytest.raises(ValueError, match=r"`HashedCrossing` should be called on at least two inputs"):
        layer([np.array(FEAT2)])
    with pytest.raises(ValueError, match=r"All `HashedCrossing` inputs should have equal shape"):
        layer([np.array(FEAT2), np.array(FEAT2[:2])])
    with pytest.raises(ValueError, match=r"All `HashedCrossing` inputs should have shape `\[\]`, `\[batch_size\]` "
                                         r"or `\[batch_size, 1\]`"):
        layer([np.zeros((2, 2), "int64"), np.zeros((2, 2), "int64")])
    with pytest.raises(ValueError, match=r"All `HashedCrossing` inputs should have an integer or string dtype"):
        layer([np.zeros(2, "float32"), np.zeros(2, "int64")])
    with pytest.raises(ValueError, match=r"The `output_mode` argument of layer HashedCrossing received an invalid "
                                         r"value `count`"):
        layers.HashedCrossing(num_bins=3, output_mode="count")
