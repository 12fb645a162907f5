"""The global host random generator that draws initial weights, and `set_random_seed`.

Weights are drawn on the host from this one NumPy generator and then moved to the device, so one seed
gives the same initial model on every backend. Per-step randomness (dropout) is drawn on the device by
the backend's own generator, which `set_random_seed` seeds too.
"""
import random as _py_random

import numpy as np  # host-side: initial weights are drawn on the host, then moved to the device

import backends

# Unseeded, as tf: without `set_random_seed` every process starts from fresh OS entropy.
_generator = np.random.default_rng()


def host_generator():
    """The NumPy `Generator` that unseeded initializers draw from."""
    return _generator


def set_random_seed(seed):
    """Seeds every generator a program uses, as `tf.keras.utils.set_random_seed`: Python's `random`,
    NumPy's global state, the host generator for initial weights and the active backend's generator."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    global _generator
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed)
    _generator = np.random.default_rng(seed)
    backends.get().seed(seed)
