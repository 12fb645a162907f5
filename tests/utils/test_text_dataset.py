"""`text_dataset_from_directory` (kerasx/utils/text_dataset.py, directory_dataset.py) on directories of
.txt files the tests write: the bytes of each file, max_length in bytes, labels and their order, the
seeded shuffle and tf.keras's split rule, and the errors."""
import os

import numpy as np
import pytest

import kerasx
from kerasx.utils import text_dataset_from_directory


def _tree(tmp_path, texts):
    """texts: {class: [str, ...]}; file k of a class is `t_k.txt`. Returns {relative path: bytes}."""
    written = {}
    for name, items in texts.items():
        os.makedirs(tmp_path / name, exist_ok=True)
        for k, text in enumerate(items):
            data = text.encode("utf-8")
            (tmp_path / name / f"t_{k}.txt").write_bytes(data)
            written[os.path.join(name, f"t_{k}.txt")] = data
    return written


TEXTS = {"pos": ["good film", "très bien\n", "great"], "neg": ["bad", "awful ending"]}


def _all(dataset):
    texts, labels = [], []
    for x, y in dataset:
        texts += list(np.asarray(x))
        labels += list(np.asarray(y.numpy() if hasattr(y, "numpy") else y))
    return texts, labels


def test_texts_are_the_files_bytes_with_inferred_labels(tmp_path):
    written = _tree(tmp_path, TEXTS)
    (tmp_path / "pos" / "image.png").write_bytes(b"not text")
    dataset = text_dataset_from_directory(str(tmp_path), shuffle=False, batch_size=2)
    assert dataset.class_names == ["neg", "pos"]
    texts, labels = _all(dataset)
    assert texts == [written[p] for p in sorted(written)]
    assert labels == [0, 0, 1, 1, 1]
    first_texts, first_labels = next(iter(dataset))
    assert np.asarray(first_texts).shape == (2,) and first_labels.dtype == "int32"
    assert kerasx.preprocessing.text_dataset_from_directory is text_dataset_from_directory


def test_max_length_counts_bytes_and_unbatched_elements_are_scalars(tmp_path):
    _tree(tmp_path, {"a": ["très bien"]})
    dataset = text_dataset_from_directory(str(tmp_path), max_length=3, batch_size=None, label_mode=None)
    [text] = list(dataset)
    assert np.asarray(text).shape == () and np.asarray(text)[()] == "très".encode("utf-8")[:3]


def test_label_modes_and_given_labels(tmp_path):
    _tree(tmp_path, TEXTS)
    _, labels = _all(text_dataset_from_directory(str(tmp_path), label_mode="categorical", shuffle=False))
    np.testing.assert_array_equal(labels, [[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]])
    _, labels = _all(text_dataset_from_directory(str(tmp_path), label_mode="binary", shuffle=False))
    np.testing.assert_array_equal(labels, [[0], [0], [1], [1], [1]])
    given = text_dataset_from_directory(str(tmp_path), labels=[5, 6, 7, 8, 9], shuffle=False)
    assert given.class_names == [5, 6, 7, 8, 9] and _all(given)[1] == [5, 6, 7, 8, 9]
    texts_only = next(iter(text_dataset_from_directory(str(tmp_path), labels=None, shuffle=False)))
    assert np.asarray(texts_only).shape == (5,)


def test_seeded_split_is_disjoint_with_tf_keras_sizes(tmp_path):
    written = _tree(tmp_path, TEXTS)
    train, val = text_dataset_from_directory(str(tmp_path), seed=5, validation_split=0.4, subset="both")
    train_texts, _ = _all(train)
    val_texts, _ = _all(val)
    num_val = int(0.4 * 5)
    assert len(val_texts) == num_val and len(train_texts) == 5 - num_val
    assert sorted(train_texts + val_texts) == sorted(written.values())
    shuffled = [written[p] for p in sorted(written)]
    np.random.RandomState(5).shuffle(shuffled)
    assert val_texts == shuffled[-num_val:]  # the validation subset is not shuffled again
    alone = text_dataset_from_directory(str(tmp_path), seed=5, validation_split=0.4, subset="training")
    assert sorted(_all(alone)[0]) == sorted(train_texts)


def test_errors(tmp_path):
    _tree(tmp_path, {"a": ["x"], "b": ["y"], "c": ["z"]})
    d = str(tmp_path)
    with pytest.raises(ValueError, match="the same size as the number of text files in the target directory"):
        text_dataset_from_directory(d, labels="yes")
    with pytest.raises(ValueError, match='When passing `label_mode="binary"`, there must be exactly 2'):
        text_dataset_from_directory(d, label_mode="binary")
    with pytest.raises(ValueError, match="If using `validation_split` and shuffling the data, you must"):
        text_dataset_from_directory(d, validation_split=0.5, subset="both")
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        text_dataset_from_directory(d, label_mode="one_hot")
    os.makedirs(tmp_path / "none" / "x")
    with pytest.raises(ValueError, match="No text files found in directory .*none. Allowed format: .txt"):
        text_dataset_from_directory(str(tmp_path / "none"))


def test_text_vectorization_adapts_and_a_model_trains(tmp_path, backend):
    _tree(tmp_path, {"pos": [f"good great fine {i}" for i in range(4)],
                     "neg": [f"bad awful poor {i}" for i in range(4)]})
    dataset = text_dataset_from_directory(str(tmp_path), batch_size=4, seed=2)
    vectorize = kerasx.layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorize.adapt(dataset.map(lambda x, y: x))
    assert {"good", "bad", "awful"} <= set(vectorize.get_vocabulary())
    model = kerasx.Sequential([vectorize, kerasx.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=kerasx.optimizers.Adam(0.1), loss="binary_crossentropy")
    history = model.fit(dataset, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
