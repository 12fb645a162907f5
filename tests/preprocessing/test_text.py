"""`keras.preprocessing.text` against tf.keras's documented outputs and vocabularies worked out by hand."""
import hashlib
import json
import math

import numpy as np
import pytest

import kerasx
from kerasx.preprocessing.text import (Tokenizer, hashing_trick, one_hot, text_to_word_sequence,
                                       tokenizer_from_json)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!"]
# Counts: the 3, then the words seen once in order of appearance (a stable sort keeps ties in order).
INDEX = {"the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6, "ate": 7, "my": 8, "homework": 9}


def test_text_to_word_sequence():
    assert kerasx.preprocessing.text.text_to_word_sequence("This is a sample sentence.") == [
        "this", "is", "a", "sample", "sentence"]
    assert text_to_word_sequence("A-b  C", lower=False) == ["A", "b", "C"]
    assert text_to_word_sequence("x,y;z", filters=";", split=",") == ["x", "y", "z"]


def test_hashing_trick_md5_and_callables():
    words = ["hello", "world", "hello"]
    n = 25
    md5 = [int(hashlib.md5(w.encode()).hexdigest(), 16) % (n - 1) + 1 for w in words]
    assert hashing_trick("Hello, world hello", n, hash_function="md5") == md5
    assert hashing_trick("a bb ccc", 10, hash_function=len) == [2, 3, 4]
    assert hashing_trick("a bb", 10, hash_function=len, analyzer=lambda t: t.split("b")) == [3, 1, 1]  # "a ", "", ""
    assert hashing_trick("a b", 5) == [hash("a") % 4 + 1, hash("b") % 4 + 1]  # Python's hash by default
    assert one_hot("The cat", 7) == [hash("the") % 6 + 1, hash("cat") % 6 + 1]


def test_fit_on_texts_vocabulary():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    assert tok.word_index == INDEX
    assert tok.index_word == {i: w for w, i in INDEX.items()}
    assert tok.word_counts["the"] == 3 and tok.word_counts["cat"] == 1
    assert tok.word_docs["the"] == 2 and tok.word_docs["dog"] == 1
    assert tok.index_docs[1] == 2 and tok.document_count == 2


def test_texts_to_sequences_num_words_and_oov():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    assert tok.texts_to_sequences(["the cat ate fish"]) == [[1, 2, 7]]
    assert tok.sequences_to_texts([[1, 2, 7, 99]]) == ["the cat ate"]
    oov = Tokenizer(oov_token="<OOV>")
    oov.fit_on_texts(TEXTS)
    assert oov.word_index["<OOV>"] == 1 and oov.word_index["the"] == 2
    assert oov.texts_to_sequences(["the cat ate fish"]) == [[2, 3, 8, 1]]
    assert oov.sequences_to_texts([[2, 3, 99]]) == ["the cat <OOV>"]
    small = Tokenizer(num_words=3)
    small.fit_on_texts(TEXTS)
    assert small.texts_to_sequences(["the cat sat"]) == [[1, 2]]  # only indices below 3
    assert small.sequences_to_texts([[1, 2, 3]]) == ["the cat"]
    small_oov = Tokenizer(num_words=3, oov_token="<OOV>")
    small_oov.fit_on_texts(TEXTS)
    assert small_oov.texts_to_sequences(["the cat sat"]) == [[2, 1, 1]]
    assert list(small_oov.texts_to_sequences_generator(["cat"])) == [[1]]


def test_char_level_lists_and_analyzer():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["aAb"])
    assert tok.word_index == {"a": 1, "b": 2}
    lists = Tokenizer()
    lists.fit_on_texts([["Hello", "World", "hello"]])
    assert lists.word_index == {"hello": 1, "world": 2}
    by_comma = Tokenizer(analyzer=lambda t: t.split(","))
    by_comma.fit_on_texts(["x,y,y"])
    assert by_comma.word_index == {"y": 1, "x": 2}
    assert by_comma.texts_to_sequences(["y,x"]) == [[1, 2]]


def test_texts_to_matrix_modes():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    text = ["the the cat"]  # indices [1, 1, 2]; width len(word_index) + 1 = 10
    expected = {
        "binary": {1: 1.0, 2: 1.0},
        "count": {1: 2.0, 2: 1.0},
        "freq": {1: 2 / 3, 2: 1 / 3},
        # (1 + ln count) * ln(1 + documents / (1 + documents holding the word)): 'the' is in 2, 'cat' in 1.
        "tfidf": {1: (1 + math.log(2)) * math.log(1 + 2 / 3), 2: math.log(2)},
    }
    for mode, values in expected.items():
        row = np.zeros(10)
        for j, v in values.items():
            row[j] = v
        out = tok.texts_to_matrix(text, mode=mode)
        assert out.shape == (1, 10) and out.dtype == np.float64
        np.testing.assert_allclose(out[0], row, rtol=1e-12)
    assert tok.texts_to_matrix(["", "dog"]).tolist()[0] == [0.0] * 10
    np.testing.assert_array_equal(Tokenizer(num_words=4).sequences_to_matrix([[1, 3, 9]], mode="count"),
                                  [[0, 1, 0, 1]])


def test_fit_on_sequences_feeds_tfidf():
    tok = Tokenizer(num_words=4)
    tok.fit_on_sequences([[1, 2], [1, 1]])
    assert tok.document_count == 2 and tok.index_docs == {1: 2, 2: 1}
    np.testing.assert_allclose(tok.sequences_to_matrix([[2]], mode="tfidf"), [[0, 0, math.log(2), 0]])


def test_errors():
    with pytest.raises(ValueError, match=r"Specify a dimension \(`num_words` argument\), or fit on some text"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="Fit the Tokenizer on some data before using tfidf mode."):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode: 'onehot'"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="onehot")
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: {'numwords': 3}"):
        Tokenizer(numwords=3)
    with pytest.warns(UserWarning, match="`nb_words` argument in `Tokenizer` has been renamed `num_words`"):
        assert Tokenizer(nb_words=7).num_words == 7
    with pytest.raises(ValueError, match="tokenizer_from_json expects the JSON that `Tokenizer.to_json"):
        tokenizer_from_json('{"class_name": "Tokenizer"}')


def test_json_round_trip():
    tok = Tokenizer(num_words=6, oov_token="?", filters="!", lower=False, split=" ")
    tok.fit_on_texts(TEXTS)
    data = json.loads(tok.to_json())
    assert data["class_name"] == "Tokenizer"
    assert json.loads(data["config"]["word_index"]) == tok.word_index
    assert data["config"]["num_words"] == 6 and data["config"]["document_count"] == 2
    back = kerasx.preprocessing.text.tokenizer_from_json(tok.to_json(indent=2))
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert all(isinstance(k, int) for k in back.index_word) and all(isinstance(k, int) for k in back.index_docs)
    assert (back.num_words, back.oov_token, back.filters, back.lower) == (6, "?", "!", False)
    assert back.texts_to_sequences(["The dog ran"]) == tok.texts_to_sequences(["The dog ran"])
    np.testing.assert_array_equal(back.texts_to_matrix(TEXTS, "tfidf"), tok.texts_to_matrix(TEXTS, "tfidf"))
    back.fit_on_texts(["zebra zebra"])  # a loaded tokenizer keeps learning
    assert back.word_counts["zebra"] == 2 and back.word_docs["zebra"] == 1 and back.document_count == 3
