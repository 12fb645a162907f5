"""What `image_dataset_from_directory` and `text_dataset_from_directory` share, as tf.keras 2.x's
`dataset_utils`: the checks of their common arguments, the walk of the directory (`index_directory`:
files and labels, class names from the subdirectories), the validation split, the label encodings, and
the final shuffle and batch. All on the host: file paths, integer labels and NumPy arrays."""
import os

import numpy as np  # host-side: file lists, labels and their shuffle are built on the host for a Dataset

from kerasx.data.dataset import Dataset
from kerasx.utils.io_utils import print_msg

LABEL_MODES = ("int", "categorical", "binary", None)


def check_labels(labels, label_mode, class_names, what):
    """tf.keras's checks of `labels`, `class_names` and `label_mode`; `what` names the files
    ("image", "text")."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size as the number "
                f"of {what} files in the target directory. If you wish to infer the labels from the "
                'subdirectory names in the target directory, pass `labels="inferred"`. If you wish to get a '
                f"dataset that only contains {what} samples (no labels), pass `labels=None`. "
                f"Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")
    if label_mode not in LABEL_MODES:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and "
                         "validation subset.")


def _walk(directory, follow_links):
    """(root, file names) of `directory` and its subdirectories, roots in sorted order (tf.keras walks
    with tf.io.gfile.walk, which does not follow links to directories, unless `follow_links`)."""
    return sorted(((root, files) for root, _, files in os.walk(directory, followlinks=follow_links)),
                  key=lambda item: item[0])


def _index_subdirectory(directory, label, follow_links, formats):
    """The files under `directory` (paths relative to its parent) with an allowed extension, each
    with `label`."""
    dirname = os.path.basename(directory)
    filenames = []
    for root, files in _walk(directory, follow_links):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory)))
    return filenames, [label] * len(filenames)


def _subdirectories(directory):
    names = []
    for name in sorted(os.listdir(directory)):
        if os.path.isdir(os.path.join(directory, name)) and not name.startswith("."):
            names.append(name)
    return names


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False):
    """tf.keras's `index_directory`: the files of `directory` with an extension in `formats`.

    With `labels="inferred"` each subdirectory is a class (in alphanumeric order, or the order of
    `class_names`, which must name the same subdirectories) and its files, at any depth, get the
    class's index; otherwise the files anywhere below `directory` are listed in walk order and
    `labels` (a list, one per file) or None goes with them. `shuffle` permutes paths and labels with
    `np.random.RandomState(seed)`, as tf.keras.

    Returns:
        `(file_paths, labels, class_names)`: labels an int32 array (zeros for `labels=None`) or the
        given list reordered; class_names the subdirectories, or the sorted distinct given labels.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels != "inferred":
        subdirs = [""]
        class_names = subdirs
    else:
        subdirs = _subdirectories(directory)
        if not class_names:
            class_names = subdirs
        elif set(class_names) != set(subdirs):
            raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                             f"target directory. Expected: {subdirs}, but received: {class_names}")
    class_indices = dict(zip(class_names, range(len(class_names))))
    filenames, found = [], []
    for subdir in subdirs:
        names, partial = _index_subdirectory(os.path.join(directory, subdir), class_indices[subdir],
                                             follow_links, formats)
        filenames += names
        found += partial
    if labels not in ("inferred", None):
        if len(labels) != len(filenames):
            raise ValueError("Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files "
                             f"in directory {directory}.")
        class_names = sorted(set(labels))
        labels = list(labels)
    else:
        labels = np.asarray(found, dtype="int32")
    # tf.keras's message, which counts the one class "" when there are no labels.
    print_msg(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The last `int(validation_split * len(samples))` samples are the validation subset, the rest
    the training one (tf.keras's rule)."""
    if not validation_split:
        return samples, labels
    num_val_samples = int(validation_split * len(samples))
    if subset == "training":
        print_msg(f"Using {len(samples) - num_val_samples} files for training.")
        return samples[:-num_val_samples], labels[:-num_val_samples]
    print_msg(f"Using {num_val_samples} files for validation.")
    return samples[-num_val_samples:], labels[-num_val_samples:]


def encode_labels(labels, label_mode, num_classes):
    """Labels as `label_mode` gives them: "int" int32 scalars (given non-integers as they are), "binary"
    float32 `(1,)` vectors, "categorical" float32 one-hot rows of `num_classes`."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        # As tf.one_hot: a value outside [0, num_classes) gives a row of zeros.
        return (labels[:, None] == np.arange(num_classes)).astype("float32")
    return labels.astype("int32") if labels.dtype.kind in "iu" else labels


def subsets(paths, labels, validation_split, subset, empty_message):
    """[(paths, labels)] for one subset, or for "both" the training and the validation ones;
    `empty_message(kind)` is the error for a subset without files ("" / "training " / "validation ")."""
    kinds = (("training", "training "), ("validation", "validation ")) if subset == "both" \
        else ((subset, ""),)
    out = []
    for name, kind in kinds:
        part = get_training_or_validation_split(paths, labels, validation_split, name)
        if not part[0]:
            raise ValueError(empty_message(kind))
        out.append(part)
    return out


def finish(samples, labels, label_mode, class_names, batch_size, shuffle, seed, training):
    """`samples` zipped with the encoded labels (when `label_mode`), shuffled when training (a buffer
    of `batch_size * 8`, or 1024 unbatched, as tf.keras) and batched, with `class_names` set."""
    dataset = samples
    if label_mode:
        encoded = encode_labels(labels, label_mode, len(class_names))
        dataset = Dataset.zip((samples, Dataset.from_tensor_slices(encoded)))
    if shuffle and training:
        dataset = dataset.shuffle(buffer_size=1024 if batch_size is None else batch_size * 8, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    dataset.class_names = class_names
    return dataset
