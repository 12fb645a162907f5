"""Reading one batch file of the CIFAR "python version" archives (tf.keras's `datasets/cifar.py`)."""
import numpy as np  # host-side dataset loading, before anything reaches a backend

from backends.config import image_data_format
from kerasx.datasets.readers import load_pickle


def load_batch(fpath, label_key="labels"):
    """`(data, labels)` of a CIFAR batch file: uint8 images of shape (n, 3, 32, 32) and the labels under
    `label_key` (a list). The pickle is read by `RestrictedUnpickler`."""
    with open(fpath, "rb") as f:
        d = load_pickle(f, encoding="bytes")
    if not isinstance(d, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch: it holds a {type(d).__name__}, not a dict.")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise ValueError(f"{fpath} is not a CIFAR batch with {label_key!r}: it holds the keys {sorted(d)}.")
    data = np.asarray(d["data"])
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def to_channels(x):
    """(n, 3, 32, 32) images as (n, 32, 32, 3) unless `image_data_format()` is channels_first, as
    tf.keras."""
    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x
