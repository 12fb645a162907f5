"""Strings in the engine: host arrays that never become Tensors. Layers that cannot take them say so by
name (eagerly and symbolically); the data adapter keeps them on the host and slices their batches there,
shuffled in step with the numeric arrays; `Input(dtype="string")` placeholders are empty strings."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.engine.data_adapter import ArrayAdapter, _standardize
from kerasx.engine.data_checks import DataChecks
from kerasx.engine.string_inputs import is_string_array, is_string_like, string_placeholder


def test_string_array_detection():
    assert is_string_array(np.array(["a"])) and is_string_array(np.array([b"a"]))
    assert is_string_array(np.array(["a", None], dtype=object))
    assert not is_string_array(np.array([1, "a"], dtype=object)[:1])
    assert not is_string_array(np.zeros(2)) and not is_string_array(np.array([], dtype=object))
    assert not is_string_array(keras.ops.zeros((2,)))
    assert is_string_like([["a"]]) and is_string_like("a") and not is_string_like([[1]])
    assert string_placeholder((2, 1)) == [[""], [""]] and string_placeholder(()) == ""


def test_numeric_layers_refuse_strings_by_name(backend):
    with pytest.raises(TypeError, match=r'Layer "dense" \(Dense\) does not take string inputs: received an array '
                                        r"of dtype <U1 and shape \(1, 2\).*StringLookup, Hashing, TextVectorization"):
        layers.Dense(2)(np.array([["a", "b"]]))
    inp = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(TypeError, match=r'Layer "dense_1" \(Dense\) does not take string inputs: received '
                                        r"<KerasTensor: shape=\(None, 1\) dtype=string"):
        layers.Dense(2)(inp)


def test_string_lists_standardize_to_one_host_array():
    x = _standardize([["a b"], ["c"]])
    assert isinstance(x, np.ndarray) and x.shape == (2, 1) and x.dtype.kind == "U"


def test_data_checks_pass_strings_and_refuse_mixed_objects():
    strings = np.array([["a"], ["b"]], dtype=object)
    x, _, _ = DataChecks("passed to `fit`").arrays((strings, None, None))
    assert x is strings
    with pytest.raises(ValueError, match=r"`x` passed to `fit` is an object array that does not hold numbers only: "
                                         r"found str at index \(1,\)"):
        DataChecks("passed to `fit`").arrays((np.array([1.0, "a"], dtype=object), None, None))


@pytest.mark.parametrize("resident", [True, False])
def test_adapter_shuffles_strings_with_their_targets(backend, monkeypatch, resident):
    if not resident:
        monkeypatch.setattr("kerasx.engine.data_adapter._DEVICE_RESIDENT_BYTES", 0)
    words = np.array([f"w{i}" for i in range(10)], dtype=object).reshape(-1, 1)
    targets = np.arange(10, dtype="float32")
    adapter = ArrayAdapter(words, targets, batch_size=4, shuffle=True)
    seen = []
    for x, y in adapter.make_iterator():
        assert isinstance(x, np.ndarray) and x.dtype == object  # the strings stayed on the host
        assert [f"w{int(v)}" for v in y.numpy()] == x[:, 0].tolist()
        seen.extend(x[:, 0].tolist())
    assert sorted(seen) == sorted(words[:, 0].tolist())


def test_string_input_model_predicts_from_lists(backend):
    inp = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inp, layers.StringLookup(vocabulary=["a", "b"])(inp))
    np.testing.assert_array_equal(model.predict([["b"], ["a"], ["z"]], verbose=0), [[2], [1], [0]])
    np.testing.assert_array_equal(model(np.array([["a"]])).numpy(), [[1]])


def test_sequential_built_from_string_data_fits_with_validation(backend):
    vectorize = layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(["a b", "b c", "c d"])
    model = keras.Sequential([vectorize, layers.Embedding(6, 2), layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([["a b"], ["c"], ["d a"], ["b"]])
    y = np.array([1.0, 0.0, 1.0, 0.0], "float32")
    history = model.fit(x, y, validation_split=0.5, epochs=2, batch_size=2, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    assert np.isfinite(model.train_on_batch(x, y))
    generator = ((x[i:i + 2], y[i:i + 2]) for i in (0, 2, 0, 2))
    model.fit(generator, steps_per_epoch=2, epochs=2, verbose=0)
    assert model.predict(x, verbose=0).shape == (4, 1)
    assert model.inputs[0].dtype == "string"  # built from its first batch, as tf.keras
