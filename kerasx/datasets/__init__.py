"""`keras.datasets`: tf.keras 2.x's datasets, downloaded once from tf.keras's own URLs (and checked
against its file hashes) into the cache (``$KERASX_HOME/datasets``, default ``~/.kerasx/datasets``), plus
Keras 3's `california_housing` and `digits`, which reads scikit-learn's copy (no network)."""
from kerasx.datasets import (boston_housing, california_housing, cifar10, cifar100, digits, fashion_mnist,
                             imdb, mnist, reuters)
