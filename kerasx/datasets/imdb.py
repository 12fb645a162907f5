"""IMDB movie reviews labelled by sentiment (25,000 for training, 25,000 for testing), each a list of
word indices, as `tf.keras.datasets.imdb`."""
import json

import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.datasets import word_sequences as ws
from kerasx.datasets.readers import load_npz
from kerasx.datasets.remote import fetch


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, cache_dir=None, **kwargs):
    """Loads the IMDB dataset.

    Words are indexed by frequency in the data (index `1 + index_from`, by default 4, is the most
    frequent word); 0 is never a word (it is the padding value).

    Args:
        path: the file's name in the cache's `datasets` folder.
        num_words: keep only the words of index below `num_words` (the others become `oov_char`);
            None keeps every word.
        skip_top: the `skip_top` most frequent indices become `oov_char` too.
        maxlen: drop the reviews of `maxlen` words or more (counting `start_char`); None keeps all.
        seed: the seed of the shuffles of the training and test sets.
        start_char: the index that starts every review (None: no start index).
        oov_char: the index of out-of-vocabulary words (None drops them).
        index_from: added to every word's rank.
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).
        **kwargs: `nb_words`, the old name of `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of int, and int labels
        (1 positive, 0 negative).

    Raises:
        ValueError: when `maxlen` is so low that no review is kept.
    """
    nb_words = ws.check_kwargs(kwargs)
    num_words = nb_words if nb_words is not None else num_words
    f = load_npz(fetch("imdb.npz", path, cache_dir))
    rng = np.random.RandomState(seed)
    x_train, labels_train = ws.shuffled(rng, f["x_train"], f["y_train"])
    x_test, labels_test = ws.shuffled(rng, f["x_test"], f["y_test"])
    x_train = ws.reindex(x_train, start_char, index_from)
    x_test = ws.reindex(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = ws.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = ws.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                             "was kept. Increase maxlen.")
    xs = ws.cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (ws.as_object_array(xs[:idx]), labels[:idx]), (ws.as_object_array(xs[idx:]), labels[idx:])


def get_word_index(path="imdb_word_index.json"):
    """The dict from each word to its rank in the IMDB data (add `index_from` to match `load_data`'s
    indices)."""
    with open(fetch("imdb_word_index.json", path)) as f:
        return json.load(f)
