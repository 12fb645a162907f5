"""The 8x8 handwritten digits (1,797 images, 10 classes) in the shape of `keras.datasets.mnist`.

The data ships inside scikit-learn (the `examples`/`test` extras), so loading needs no network."""
import numpy as np  # host-side data loading, before anything reaches a backend


def load_data(test_split=0.2, seed=113):
    """Returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 8, 8) with values
    0..16 and uint8 labels 0..9, split after a seeded shuffle (as `keras.datasets.*.load_data`)."""
    if not 0.0 < test_split < 1.0:
        raise ValueError(f"test_split must be between 0 and 1 (exclusive), received {test_split!r}.")
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("kerasx.datasets.digits reads the digits that ship with scikit-learn: "
                          "`pip install kerasx[examples]` (or `pip install scikit-learn`).") from e
    bunch = load_digits()
    images = bunch.images.astype("uint8")
    labels = bunch.target.astype("uint8")
    order = np.random.default_rng(seed).permutation(len(labels))
    images, labels = images[order], labels[order]
    n_test = int(round(len(labels) * test_split))
    return (images[n_test:], labels[n_test:]), (images[:n_test], labels[:n_test])
