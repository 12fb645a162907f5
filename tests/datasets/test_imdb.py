"""`imdb` and `reuters` on small .npz files in tf.keras's layout (object arrays of word-rank lists),
against re-indexings worked out by hand from tf.keras's documented rules."""
import numpy as np
import pytest

import kerasx
from kerasx.datasets import imdb, reuters
from tests.datasets.dataset_files import object_array, write_npz

TRAIN = [[1, 2, 3], [4, 1], [2, 2, 5, 6]]
TRAIN_LABELS = [1, 0, 1]
TEST = [[3, 4], [7]]
TEST_LABELS = [0, 1]


def _orders(seed, *sizes):
    """tf.keras's shuffles: one `np.random.RandomState(seed)` shuffles each split's indices in turn."""
    rng = np.random.RandomState(seed)
    out = []
    for n in sizes:
        indices = np.arange(n)
        rng.shuffle(indices)
        out.append(indices)
    return out


@pytest.fixture
def imdb_file(served):
    write_npz(served.folder / "imdb.npz", x_train=object_array(TRAIN), y_train=np.array(TRAIN_LABELS),
              x_test=object_array(TEST), y_test=np.array(TEST_LABELS))
    served.publish("imdb.npz")
    return served


def _check(result, train, test, seed=113):
    (x_train, y_train), (x_test, y_test) = result
    p_train, p_test = _orders(seed, len(TRAIN), len(TEST))
    assert x_train.dtype == object and x_train.ndim == 1 and x_test.ndim == 1
    assert [list(x) for x in x_train] == [train[i] for i in p_train]
    assert [list(x) for x in x_test] == [test[i] for i in p_test]
    assert y_train.tolist() == [TRAIN_LABELS[i] for i in p_train]
    assert y_test.tolist() == [TEST_LABELS[i] for i in p_test]


def test_defaults_start_char_index_from_and_the_largest_index_as_oov(imdb_file):
    # Every rank + 3 behind start_char 1. num_words=None becomes the largest index (10), and tf.keras
    # keeps only indices below it, so the one word of index 10 becomes oov_char 2.
    _check(kerasx.datasets.imdb.load_data(),
           [[1, 4, 5, 6], [1, 7, 4], [1, 5, 5, 8, 9]], [[1, 6, 7], [1, 2]])


def test_num_words_skip_top_and_oov_char(imdb_file):
    # Kept: 5 <= index < 8; the rest (start_char 1 too) becomes 0.
    _check(imdb.load_data(num_words=8, skip_top=5, oov_char=0),
           [[0, 0, 5, 6], [0, 7, 0], [0, 5, 5, 0, 0]], [[0, 6, 7], [0, 0]])


def test_oov_char_none_drops_and_start_char_none(imdb_file):
    _check(imdb.load_data(num_words=7, oov_char=None),
           [[1, 4, 5, 6], [1, 4], [1, 5, 5]], [[1, 6], [1]])
    _check(imdb.load_data(start_char=None, index_from=0, num_words=100),
           [[1, 2, 3], [4, 1], [2, 2, 5, 6]], [[3, 4], [7]])


def test_seed_changes_the_order(imdb_file):
    _check(imdb.load_data(seed=7, num_words=100), [[1, 4, 5, 6], [1, 7, 4], [1, 5, 5, 8, 9]],
           [[1, 6, 7], [1, 10]], seed=7)


def test_maxlen_keeps_the_shorter_sequences(imdb_file):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=4, num_words=100)
    assert [list(x) for x in x_train] == [[1, 7, 4]] and y_train.tolist() == [0]
    p_test = _orders(113, 3, 2)[1]
    assert [list(x) for x in x_test] == [[[1, 6, 7], [1, 10]][i] for i in p_test]
    with pytest.raises(ValueError, match="After filtering for sequences shorter than maxlen=3, no sequence "
                                         "was kept. Increase maxlen."):
        imdb.load_data(maxlen=3)


def test_keyword_arguments(imdb_file):
    with pytest.warns(UserWarning, match="`nb_words` argument in `load_data` has been renamed `num_words`"):
        (x_train, _), _ = imdb.load_data(nb_words=5)
    assert max(max(x) for x in x_train) == 4
    with pytest.raises(TypeError, match=r"Unrecognized keyword arguments: \{'num_word': 5\}"):
        imdb.load_data(num_word=5)


def test_word_indexes(served):
    served.write_json("imdb_word_index.json", {"the": 1, "and": 2})
    assert kerasx.datasets.imdb.get_word_index() == {"the": 1, "and": 2}
    served.write_json("reuters_word_index.json", {"said": 1})
    assert reuters.get_word_index() == {"said": 1}


def test_reuters_load_data_splits_after_one_shuffle(served):
    xs = [[1], [2, 3], [4, 5, 6], [7], [8, 9]]
    labels = [3, 4, 3, 45, 0]
    write_npz(served.folder / "reuters.npz", x=object_array(xs), y=np.array(labels))
    served.publish("reuters.npz")
    (x_train, y_train), (x_test, y_test) = kerasx.datasets.reuters.load_data(num_words=100)
    (order,) = _orders(113, 5)
    expected = [[1] + [w + 3 for w in xs[i]] for i in order]
    # int(5 * (1 - 0.2)) = 4 training newswires.
    assert [list(x) for x in x_train] == expected[:4] and [list(x) for x in x_test] == expected[4:]
    assert y_train.tolist() == [labels[i] for i in order[:4]]
    assert y_test.tolist() == [labels[i] for i in order[4:]]
    (x_train, _), (x_test, _) = reuters.load_data(test_split=0.4, maxlen=3, num_words=100)
    kept = [x for x in expected if len(x) < 3]
    assert len(x_train) == int(len(kept) * 0.6) and len(x_train) + len(x_test) == len(kept)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        reuters.load_data(split=0.3)


def test_reuters_label_names():
    names = kerasx.datasets.reuters.get_label_names()
    assert len(names) == 46 and len(set(names)) == 46
    assert names[:5] == ("cocoa", "grain", "veg-oil", "earn", "acq")
    assert names[-3:] == ("wpi", "hog", "lead")
