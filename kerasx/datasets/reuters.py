"""Reuters newswires (11,228) labelled over 46 topics, each a list of word indices, as
`tf.keras.datasets.reuters`."""
import json

import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.datasets import word_sequences as ws
from kerasx.datasets.readers import load_npz
from kerasx.datasets.remote import fetch

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Loads the Reuters newswire classification dataset.

    Args:
        path: the file's name in the cache's `datasets` folder.
        num_words: keep only the words of index below `num_words` (the others become `oov_char`);
            None keeps every word.
        skip_top: the `skip_top` most frequent indices become `oov_char` too.
        maxlen: drop the newswires of `maxlen` words or more (counting `start_char`); None keeps all.
        test_split: the fraction of the newswires kept for the test set.
        seed: the seed of the shuffle before the split.
        start_char: the index that starts every newswire (None: no start index).
        oov_char: the index of out-of-vocabulary words (None drops them).
        index_from: added to every word's rank.
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).
        **kwargs: `nb_words`, the old name of `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of int, and int labels
        0..45 (their names: `get_label_names()`).
    """
    nb_words = ws.check_kwargs(kwargs)
    num_words = nb_words if nb_words is not None else num_words
    f = load_npz(fetch("reuters.npz", path, cache_dir))
    xs, labels = ws.shuffled(np.random.RandomState(seed), f["x"], f["y"])
    xs = ws.reindex(xs, start_char, index_from)
    xs, labels = ws.drop_long(maxlen, xs, labels)
    xs = ws.cut_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((ws.as_object_array(xs[:idx]), np.array(labels[:idx])),
            (ws.as_object_array(xs[idx:]), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The dict from each word to its rank in the Reuters data (add `index_from` to match `load_data`'s
    indices)."""
    with open(fetch("reuters_word_index.json", path)) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in label order."""
    return LABEL_NAMES
