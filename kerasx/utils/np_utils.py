"""NumPy helpers for preparing data on the host: `to_categorical`, `to_ordinal` and `normalize`."""
import numpy as np  # host-side data preparation on user arrays, before anything reaches a device


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to a binary class matrix, as `tf.keras.utils.to_categorical`.

    A trailing dimension of 1 in `y` is dropped first, so `(n, 1)` labels give `(n, num_classes)`.
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    output_shape = input_shape + (num_classes,)
    return np.reshape(categorical, output_shape)


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to an ordinal regression matrix, as `tf.keras.utils.to_ordinal`:
    class `k` becomes `k` ones followed by zeros, in `num_classes - 1` columns (0 -> [0, 0],
    1 -> [1, 0], 2 -> [1, 1] for three classes).

    A trailing dimension of 1 in `y` is dropped first, so `(n, 1)` labels give `(n, num_classes - 1)`.
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = np.max(y) + 1
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return np.reshape(ordinal, input_shape + (num_classes - 1,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit `order`-norm along `axis` (zero vectors stay zero)."""
    l2 = np.atleast_1d(np.linalg.norm(x, order, axis))
    l2[l2 == 0] = 1
    return x / np.expand_dims(l2, axis)
