"""TextVectorization: tf.keras's documented outputs, standardization and splitting as TensorFlow's string
ops, n-grams, sequence lengths, the counting modes against NumPy, adapt sources, config round trips,
a trained text classifier, errors."""
import json
import math

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.layers.preprocessing.string_ops import DEFAULT_STRIP_REGEX


def test_docstring_example_adapt_and_sequential_predict(backend):
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(keras.data.Dataset.from_tensor_slices(["foo", "bar", "baz"]).batch(64))
    model = keras.models.Sequential()
    model.add(keras.Input(shape=(1,), dtype="string"))
    model.add(layer)
    out = model.predict([["foo qux bar"], ["qux baz"]], verbose=0)
    np.testing.assert_array_equal(out, [[2, 1, 4, 0], [1, 3, 0, 0]])


def test_docstring_example_given_vocabulary(backend):
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    out = layer([["earth wind and also fire"], ["fire and earth michigan"]])
    assert out.dtype == "int64"
    np.testing.assert_array_equal(out.numpy(), [[2, 3, 4, 1], [5, 4, 2, 1]])


def test_standardize_is_tf_keras_regex_and_ascii_lowercase(backend):
    text = "Hello, World! It's a-b_c (x+y)=z; ÉCOLE naïve"
    layer = layers.TextVectorization(output_mode=None)
    tokens = layer(np.array([text])).tolist()[0]
    import re
    expected = re.sub(DEFAULT_STRIP_REGEX, "", "".join(c.lower() if c.isascii() else c for c in text)).split()
    assert tokens == expected == ["hello", "world", "its", "abc", "xyz", "École", "naïve"]
    assert layers.TextVectorization(output_mode=None, standardize="lower")(["A,b"]).tolist() == [["a,b"]]
    assert layers.TextVectorization(output_mode=None, standardize="strip_punctuation")(["A,b"]).tolist() == [["Ab"]]
    assert layers.TextVectorization(output_mode=None, standardize=None)(["A,b"]).tolist() == [["A,b"]]


def test_whitespace_split_is_ascii_and_character_split(backend):
    out = layers.TextVectorization(output_mode=None, standardize=None)(["a\tb\n c", "d\u00a0e"]).tolist()
    assert out == [["a", "b", "c"], ["d\u00a0e", "", ""]]  # padded with '' to the longest row
    chars = layers.TextVectorization(output_mode=None, split="character", standardize=None)(["héy", "a"]).tolist()
    assert chars == [["h", "é", "y"], ["a", "", ""]]
    whole = layers.TextVectorization(output_mode=None, split=None)(np.array([["A b!"]])).tolist()
    assert whole == [["a b"]]


def test_ngrams_follow_the_widths(backend):
    out = layers.TextVectorization(output_mode=None, ngrams=3)(["a b c d"]).tolist()[0]
    assert out == ["a", "b", "c", "d", "a b", "b c", "c d", "a b c", "b c d"]
    assert layers.TextVectorization(output_mode=None, ngrams=(2,))(["a b c"]).tolist() == [["a b", "b c"]]


def test_int_output_pads_and_truncates(backend):
    vocab = ["the", "cat", "sat"]
    free = layers.TextVectorization(vocabulary=vocab)(["the cat sat", "cat"]).numpy()
    np.testing.assert_array_equal(free, [[2, 3, 4], [3, 0, 0]])
    cut = layers.TextVectorization(vocabulary=vocab, output_sequence_length=2)(["the cat sat", "dog"]).numpy()
    np.testing.assert_array_equal(cut, [[2, 3], [1, 0]])
    empty = layers.TextVectorization(vocabulary=vocab)(["", "..."])
    assert empty.shape == (2, 0)
    # Unsplit strings are single tokens, padded on their last axis.
    whole = layers.TextVectorization(vocabulary=["the cat"], split=None, output_sequence_length=3)
    np.testing.assert_array_equal(whole(np.array([["The cat"], ["dog"]])).numpy(), [[2, 0, 0], [1, 0, 0]])


def _counts(texts, vocab):
    index = {t: i for i, t in enumerate(vocab)}
    out = np.zeros((len(texts), len(vocab)), "float32")
    for r, text in enumerate(texts):
        for token in text.lower().split():
            out[r, index.get(token, 0)] += 1
    return out


@pytest.mark.parametrize("mode", ["multi_hot", "count", "tf_idf"])
def test_counting_modes_match_numpy(backend, mode):
    corpus = ["the cat sat", "the dog sat", "the cat ran", "a bird"]
    layer = layers.TextVectorization(output_mode=mode, max_tokens=6)
    layer.adapt(corpus)
    vocab = layer.get_vocabulary()
    # the:3, cat:2, sat:2, then the ones by token descending: ran, dog, bird, a -> two of them fit.
    assert vocab == ["[UNK]", "the", "sat", "cat", "ran", "dog"]
    texts = ["The the cat", "a fish sat"]
    counts = _counts(texts, vocab)
    if mode == "multi_hot":
        expected = (counts > 0).astype("float32")
    elif mode == "count":
        expected = counts
    else:
        df = np.array([3, 2, 2, 1, 1])
        idf = np.log(1 + 4 / (1 + df))
        expected = counts * np.concatenate([[idf.mean()], idf])
    out = layer(texts)
    assert out.dtype == "float32" and out.shape == (2, 6)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_pad_to_max_tokens_and_symbolic_shapes(backend):
    layer = layers.TextVectorization(output_mode="count", max_tokens=10, pad_to_max_tokens=True)
    layer.adapt(["x y", "y"])
    assert layer(["x y y"]).shape == (1, 10)
    inp = keras.Input(shape=(1,), dtype="string")
    assert layer(inp).shape == (None, 10)
    seq = layers.TextVectorization(output_sequence_length=7, vocabulary=["x"])(inp)
    assert seq.shape == (None, 7) and seq.dtype == "int64"
    assert layers.TextVectorization(vocabulary=["x"])(inp).shape == (None, None)


@pytest.mark.parametrize("source", ["array", "list", "dataset"])
def test_adapt_sources_agree(backend, source):
    corpus = ["b a", "c b", "b c d"]
    data = {"array": np.array(corpus), "list": corpus,
            "dataset": keras.data.Dataset.from_tensor_slices(np.array(corpus)).batch(2)}[source]
    layer = layers.TextVectorization()
    layer.adapt(data, batch_size=1 if source == "array" else None)
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "c", "d", "a"]
    # Adapting again starts afresh.
    layer.adapt(["z z"])
    assert layer.get_vocabulary() == ["", "[UNK]", "z"]


def test_config_round_trip(backend):
    layer = layers.TextVectorization(max_tokens=20, ngrams=2, output_sequence_length=5,
                                     vocabulary=["earth", "wind"], name="tv")
    config = layer.get_config()
    assert config == {"name": "tv", "trainable": True, "dtype": "string", "max_tokens": 20,
                      "standardize": "lower_and_strip_punctuation", "split": "whitespace", "ngrams": 2,
                      "output_mode": "int", "output_sequence_length": 5, "pad_to_max_tokens": False,
                      "sparse": False, "ragged": False, "vocabulary": ["earth", "wind"], "idf_weights": None,
                      "encoding": "utf-8", "vocabulary_size": 4}
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == config
    np.testing.assert_array_equal(rebuilt(["earth wind fire"]).numpy(), layer(["earth wind fire"]).numpy())
    # As tf.keras: an adapted vocabulary is state, not config; the size is recorded.
    adapted = layers.TextVectorization()
    adapted.adapt(["p q r"])
    assert adapted.get_config()["vocabulary"] is None and adapted.get_config()["vocabulary_size"] == 5


def test_model_with_embedding_trains_on_a_tiny_corpus(backend):
    positive = ["good movie", "great film", "loved it", "good fun", "great acting", "loved the film"]
    negative = ["bad movie", "awful film", "hated it", "bad fun", "awful acting", "hated the film"]
    texts = np.array(positive + negative, dtype=object).reshape(-1, 1)
    labels = np.array([1.0] * 6 + [0.0] * 6, "float32")
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=4)
    vectorize.adapt(texts)
    inp = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(vectorize.vocabulary_size(), 8)(vectorize(inp))
    out = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts, labels, epochs=30, batch_size=4, shuffle=True, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    # The same model from a Dataset of (strings, labels).
    ds = keras.data.Dataset.from_tensor_slices((texts, labels)).batch(6)
    assert model.evaluate(ds, verbose=0, return_dict=True)["accuracy"] == 1.0
    pred = model.predict(np.array([["great fun"], ["awful movie"]], dtype=object), verbose=0)
    assert pred[0, 0] > 0.5 > pred[1, 0]
    assert not math.isnan(float(pred.sum()))


def test_callable_standardize_and_split(backend):
    def shout(strings):
        return np.array([s.upper() for s in strings.ravel()], dtype=object).reshape(strings.shape)

    def by_comma(strings):
        return [s.split(",") for s in strings]

    layer = layers.TextVectorization(standardize=shout, split=by_comma, output_mode=None)
    assert layer(["a,b"]).tolist() == [["A", "B"]]


@pytest.mark.parametrize("kwargs, message", [
    ({"dtype": "int32"}, r"`TextVectorization` may only have a dtype of string. Received dtype: int32."),
    ({"standardize": "upper"}, r"The `standardize` argument of layer TextVectorization received an invalid value "
                               r"`upper`. Allowed values are: `lower_and_strip_punctuation`, `lower`, "
                               r"`strip_punctuation`, `None`, a `Callable`."),
    ({"split": "comma"}, r"The `split` argument of layer TextVectorization received an invalid value `comma`"),
    ({"output_mode": "one_hot"}, r"The `output_mode` argument of layer TextVectorization received an invalid "
                                 r"value `one_hot`"),
    ({"ngrams": [1, 2]}, r"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams=\[1, 2\]"),
    ({"output_sequence_length": 2.5}, r"`output_sequence_length` must be either None or an integer"),
    ({"output_mode": "count", "output_sequence_length": 3}, r"`output_sequence_length` must not be set if "
                                                            r"`output_mode` is not 'int'"),
    ({"ragged": True}, r"TextVectorization: kerasx has no sparse or ragged tensors, so ragged=True"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.TextVectorization(**kwargs)


def test_call_errors(backend):
    with pytest.raises(ValueError, match=r"When using `TextVectorization` to tokenize strings, the input rank must "
                                         r"be 1 or the last shape dimension must be 1. Received: "
                                         r"inputs.shape=\(1, 2\)"):
        layers.TextVectorization(vocabulary=["a"])([["a", "b"]])
    with pytest.raises(ValueError, match=r'Layer "text_vectorization_1" \(TextVectorization\) takes strings; '
                                         r"received an input of dtype int64"):
        layers.TextVectorization(vocabulary=["a"])(np.array([[1]]))


def test_adapted_model_saves_once_the_vocabulary_is_an_argument(backend, tmp_path):
    layer = layers.TextVectorization(output_sequence_length=3, name="tv")
    layer.adapt(["b a", "c b"])
    assert [w.tolist() for w in layer.get_weights()] == [["b", "c", "a"]]
    inp = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(ValueError, match=r'Cannot save layer "tv" \(TextVectorization\) to HDF5'):
        keras.Model(inp, layer(inp)).save(str(tmp_path / "m.h5"))
    fixed = layers.TextVectorization(output_sequence_length=3, vocabulary=layer.get_vocabulary())
    assert fixed.get_vocabulary() == layer.get_vocabulary()
    model = keras.Model(inp, fixed(inp))
    model.save(str(tmp_path / "m.h5"))
    loaded = keras.models.load_model(str(tmp_path / "m.h5"))
    data = np.array([["a b c d"]], dtype=object)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), layer(data).numpy())
