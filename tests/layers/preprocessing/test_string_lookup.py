"""StringLookup (and IndexLookup's shared logic): tf.keras's documented outputs, adapt's ordering, the
encodings as NumPy formulas, vocabulary files, invert, config round trips, a trained model, errors."""
import json

import farmhash
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]
DATA4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


def _indices(data, vocab, start=1):
    table = {t: start + i for i, t in enumerate(vocab)}
    return np.array([[table.get(t, 0) for t in row] for row in data])


def test_known_vocabulary(backend):
    out = layers.StringLookup(vocabulary=VOCAB)(DATA)
    assert out.dtype == "int64"
    np.testing.assert_array_equal(out.numpy(), [[1, 3, 4], [4, 0, 2]])
    np.testing.assert_array_equal(out.numpy(), _indices(DATA, VOCAB))


def test_adapt_orders_by_count_then_token_descending(backend):
    layer = layers.StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(layer(DATA).numpy(), [[5, 3, 1], [1, 2, 4]])
    assert layer.vocabulary_size() == 6
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]


@pytest.mark.parametrize("source", ["array", "list", "dataset", "unbatched_dataset"])
def test_adapt_sources_agree(backend, source):
    corpus = np.array(["x", "y", "y", "z", "z", "z", "w"], dtype=object)
    data = {"array": corpus, "list": corpus.tolist(),
            "dataset": keras.data.Dataset.from_tensor_slices(corpus).batch(3),
            "unbatched_dataset": keras.data.Dataset.from_tensor_slices(corpus)}[source]
    layer = layers.StringLookup(max_tokens=4)
    layer.adapt(data, batch_size=2 if source == "array" else None)
    assert layer.get_vocabulary() == ["[UNK]", "z", "y", "x"]


def test_multiple_oov_indices_hash_with_farmhash(backend):
    out = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)([["a", "c", "d"], ["m", "z", "b"]]).numpy()
    np.testing.assert_array_equal(out, [[2, 4, 5], [0, 1, 3]])
    assert out[1, 0] == farmhash.fingerprint64("m") % 2 and out[1, 1] == farmhash.fingerprint64("z") % 2


def test_mask_token(backend):
    layer = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    np.testing.assert_array_equal(layer([["a", ""], ["q", "d"]]).numpy(), [[2, 0], [1, 5]])
    # In the counting modes the mask has no index and is dropped.
    counts = layers.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="count")([["a", "", ""]]).numpy()
    np.testing.assert_array_equal(counts, [[0, 1, 0, 0, 0]])


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_encodings_match_numpy(backend, mode):
    data = DATA4 if mode != "one_hot" else ["a", "b", "c", "d", "z"]
    idx = _indices(data if mode != "one_hot" else [data], VOCAB)
    hot = (idx[..., None] == np.arange(5)).astype("float32")
    expected = {"one_hot": hot[0], "multi_hot": hot.max(axis=1), "count": hot.sum(axis=1)}[mode]
    out = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)(data)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), expected)
    docs = {"multi_hot": [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]], "count": [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]}
    if mode in docs:
        np.testing.assert_array_equal(out.numpy(), docs[mode])


def test_pad_to_max_tokens(backend):
    out = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True)(DATA)
    assert out.shape == (2, 8)
    np.testing.assert_array_equal(out.numpy()[:, 5:], 0)


def test_tf_idf_from_set_vocabulary(backend):
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    with_oov = layers.StringLookup(output_mode="tf_idf")
    with_oov.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(with_oov(DATA4).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)


def test_tf_idf_from_adapt(backend):
    docs = [["a", "b", "b", ""], ["b", "c", "", ""], ["c", "c", "d", "a"]]
    layer = layers.StringLookup(output_mode="tf_idf", mask_token="")
    layer.adapt(docs)
    vocab = layer.get_vocabulary()
    assert vocab == ["[UNK]", "c", "b", "a", "d"]
    df = np.array([2, 2, 2, 1])  # documents holding c, b, a, d
    idf = np.log(1 + 3 / (1 + df))
    weights = np.concatenate([[idf.mean()], idf])
    idx = _indices([["q", "b", "b"]], vocab[1:])  # q is out of vocabulary: index 0
    counts = (idx[..., None] == np.arange(5)).sum(axis=1)
    np.testing.assert_allclose(layer([["q", "b", "b"]]).numpy(), counts * weights, rtol=1e-6)


def test_vocabulary_file(backend, tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB
    np.testing.assert_array_equal(layer(DATA).numpy(), [[1, 3, 4], [4, 0, 2]])
    with pytest.raises(ValueError, match="Vocabulary file .*missing.txt does not exist."):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


def test_invert_round_trips(backend):
    forward = layers.StringLookup(vocabulary=VOCAB)
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    back = inverse(forward(DATA))
    assert back.dtype == object  # strings stay on the host
    assert back.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == back.tolist()


def test_special_tokens_at_the_start_are_accepted():
    layer = layers.StringLookup(vocabulary=["", "[UNK]", "a", "b"], mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b"]


def test_config_round_trip(backend):
    layer = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2, mask_token="", output_mode="int", name="sl")
    config = layer.get_config()
    assert config == {"name": "sl", "trainable": True, "dtype": "int64", "invert": False, "max_tokens": None,
                      "num_oov_indices": 2, "oov_token": "[UNK]", "mask_token": "", "output_mode": "int",
                      "sparse": False, "pad_to_max_tokens": False, "idf_weights": None, "vocabulary": VOCAB,
                      "vocabulary_size": 7, "encoding": "utf-8"}
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    np.testing.assert_array_equal(rebuilt(DATA).numpy(), layer(DATA).numpy())
    assert rebuilt.get_config() == config
    # An old config with the string dtype of the input.
    assert layers.StringLookup(vocabulary=VOCAB, dtype="string").dtype == "int64"


def test_functional_model_with_lookup_and_embedding_trains(backend):
    rng = np.random.default_rng(1)
    words = np.array(["cat", "dog", "fish", "bird"], dtype=object)
    x = words[rng.integers(0, 4, (64, 3))]
    y = (x == "cat").any(axis=1).astype("float32")
    inp = keras.Input(shape=(3,), dtype="string")
    lookup = layers.StringLookup(vocabulary=["cat", "dog", "fish"])
    ids = lookup(inp)
    assert ids.shape == (None, 3) and ids.dtype == "int64"
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(lookup.vocabulary_size(), 4)(ids))
    model = keras.Model(inp, layers.Dense(1, activation="sigmoid")(pooled))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    multi = layers.StringLookup(vocabulary=["cat", "dog", "fish"], output_mode="multi_hot")(inp)
    assert multi.shape == (None, 4) and multi.dtype == "float32"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"max_tokens": 1}, ValueError, r"If set, `max_tokens` must be greater than 1. Received: max_tokens=1"),
    ({"pad_to_max_tokens": True}, ValueError, r"If pad_to_max_tokens is True, must set `max_tokens`"),
    ({"num_oov_indices": -1}, ValueError, r"`num_oov_indices` must be greater than or equal to 0. Received: "
                                          r"num_oov_indices=-1"),
    ({"output_mode": "bag"}, ValueError, r"The `output_mode` argument of layer StringLookup received an invalid "
                                         r"value `bag`"),
    ({"invert": True, "output_mode": "count"}, ValueError, r"`output_mode` must be `'int'` when `invert` is true"),
    ({"idf_weights": [1.0]}, ValueError, r"`idf_weights` should only be set if `output_mode` is `'tf_idf'`"),
    ({"vocabulary": ["a", "b", "a"]}, ValueError, r"The passed vocabulary has at least one repeated term. Please "
                                                  r"uniquify your dataset. The repeated terms are \['a'\]"),
    ({"vocabulary": ["a", "", "b"], "mask_token": ""}, ValueError, r"Found reserved mask token at unexpected "
                                                                   r"location in `vocabulary`"),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 3}, ValueError, r"Attempted to set a vocabulary larger than the "
                                                                   r"maximum vocab size. Passed vocab size is 4, "
                                                                   r"max vocab size is 3"),
    ({"vocabulary": []}, ValueError, r"Cannot set an empty vocabulary"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"]}, ValueError, r"`idf_weights` must be set if output_mode is TF_IDF"),
])
def test_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        layers.StringLookup(**kwargs)


def test_call_errors(backend):
    with pytest.raises(ValueError, match=r"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                                         r"values \['z'\], consider setting `num_oov_indices=1`"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA)
    with pytest.raises(RuntimeError, match=r"When using `output_mode=multi_hot` and `pad_to_max_tokens=False`, "
                                           r"you must set the layer's vocabulary before calling it"):
        layers.StringLookup(output_mode="multi_hot")(DATA)
    with pytest.raises(ValueError, match=r'Layer "string_lookup_2" \(StringLookup\) looks up strings; received an '
                                         r"input of dtype int64"):
        layers.StringLookup(vocabulary=VOCAB)(np.array([1, 2]))
    fixed = layers.StringLookup(vocabulary=VOCAB)
    with pytest.raises(ValueError, match=r"Cannot adapt StringLookup layer after setting a static vocabulary"):
        fixed.adapt(DATA)
    assert fixed.get_vocabulary() == ["[UNK]"] + VOCAB


def test_adapted_vocabulary_is_a_weight_as_in_tf_keras(backend):
    layer = layers.StringLookup()
    layer.adapt(DATA)
    weights = layer.get_weights()
    assert len(weights) == 1 and weights[0].tolist() == ["d", "z", "c", "b", "a"]
    copy = layers.StringLookup()
    copy.set_weights(weights)
    assert copy.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(copy(DATA).numpy(), layer(DATA).numpy())
    with pytest.raises(ValueError, match=r'You called `set_weights\(weights\)` on layer "string_lookup_2" with a '
                                         r"weight list of length 0, but the layer was expecting 1 weights"):
        layers.StringLookup().set_weights([])
    assert layers.StringLookup(vocabulary=VOCAB).get_weights() == []
    tfidf = layers.StringLookup(output_mode="tf_idf")
    tfidf.adapt(DATA)
    idf, vocab = tfidf.get_weights()
    assert idf.shape == (6,) and vocab.tolist() == ["d", "z", "c", "b", "a"]
    again = layers.StringLookup(output_mode="tf_idf")
    again.set_weights([idf, vocab])
    np.testing.assert_allclose(again(DATA).numpy(), tfidf(DATA).numpy())


def test_hdf5_refuses_an_adapted_vocabulary_and_takes_a_given_one(backend, tmp_path):
    adapted = layers.StringLookup(name="lookup")
    adapted.adapt(DATA)
    inp = keras.Input(shape=(3,), dtype="string")
    model = keras.Model(inp, adapted(inp))
    with pytest.raises(ValueError, match=r'Cannot save layer "lookup" \(StringLookup\) to HDF5: its '
                                                  r"adapted vocabulary is not held in Variables.*"
                                                  r"`vocabulary=layer.get_vocabulary\(\)`"):
        model.save(str(tmp_path / "adapted.h5"))
    assert not (tmp_path / "adapted.h5").exists()
    given = layers.StringLookup(vocabulary=adapted.get_vocabulary())
    model = keras.Model(inp, given(inp))
    model.save(str(tmp_path / "given.h5"))
    loaded = keras.models.load_model(str(tmp_path / "given.h5"))
    np.testing.assert_array_equal(loaded.predict(np.array(DATA, dtype=object), verbose=0), adapted(DATA).numpy())


def test_bytes_are_read_as_utf8_text(backend):
    layer = layers.StringLookup(vocabulary=["a", "é"])
    mixed = np.array([[b"a", "\u00e9", "\u00e9".encode("utf-8")]], dtype=object)
    np.testing.assert_array_equal(layer(mixed).numpy(), [[1, 2, 2]])
    np.testing.assert_array_equal(layer(np.array([b"a", b"b"])).numpy(), [1, 0])
