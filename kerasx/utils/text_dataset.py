"""`text_dataset_from_directory`: a `kerasx.data.Dataset` of the .txt files in a directory, with labels
from its subdirectories, as tf.keras 2.x: each element is a file's bytes (a string scalar)."""
import numpy as np  # host-side: file contents are host string arrays, as dataset elements

from kerasx.data.dataset import Dataset
from kerasx.utils import directory_dataset


def read_text(path, max_length=None):
    """A file's contents as a 0-d object array holding bytes, cut to its first `max_length` bytes
    (tf.strings.substr counts bytes)."""
    with open(path, "rb") as f:
        text = f.read()
    if max_length is not None:
        text = text[:max_length]
    element = np.empty((), dtype=object)
    element[()] = text
    return element


def _dataset(paths, max_length):
    def load(path):
        return read_text(str(path), max_length)
    return Dataset.from_tensor_slices(np.asarray(paths, dtype=object)).map(load)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False):
    """A dataset of the texts in `directory` (.txt files), as `image_dataset_from_directory` for
    images: the same `labels`, `label_mode`, `class_names`, `shuffle`, `seed`, `validation_split`,
    `subset` and `follow_links`.

    Args:
        batch_size: texts per batch; None gives single texts.
        max_length: the most bytes of each file kept (None: all).

    Returns:
        A `kerasx.data.Dataset` of `(texts, labels)` (texts alone without labels), texts as bytes
        strings, with a `class_names` attribute; a list of two for `subset="both"`.
    """
    directory_dataset.check_labels(labels, label_mode, class_names, "text")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    directory_dataset.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = directory_dataset.index_directory(
        directory, labels, formats=(".txt",), class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    parts = directory_dataset.subsets(
        paths, labels, validation_split, subset,
        lambda kind: f"No {kind}text files found in directory {directory}. Allowed format: .txt")
    datasets = [directory_dataset.finish(_dataset(part_paths, max_length), part_labels, label_mode,
                                         class_names, batch_size, shuffle, seed, training=i == 0)
                for i, (part_paths, part_labels) in enumerate(parts)]
    return datasets if subset == "both" else datasets[0]
