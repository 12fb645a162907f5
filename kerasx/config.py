"""`kerasx.config`: program-wide switches, in the place Keras 3 keeps them (`keras.config`).

tf.keras 2.x trains on NaN and infinity without a word and reports `loss: nan` after the fact; kerasx's
`fit` and `evaluate` refuse them in host input arrays before training, naming the array and the first bad
position. Code that keeps non-finite values on purpose (labels that a custom loss or `train_step` masks
out) turns the check off here, once, for the whole program:

    kerasx.config.disable_nonfinite_data_check()

The Keras 2 settings (`floatx`, `epsilon`, `image_data_format`) are here too, as in Keras 3; they are the
same settings as `kerasx.backend.floatx()` and friends.
"""
from backends.config import (epsilon, floatx, image_data_format, nonfinite_data_check_enabled,
                             set_epsilon, set_floatx, set_image_data_format, set_nonfinite_data_check)

__all__ = ["disable_nonfinite_data_check", "enable_nonfinite_data_check", "epsilon", "floatx",
           "image_data_format", "is_nonfinite_data_check_enabled", "set_epsilon", "set_floatx",
           "set_image_data_format"]


def enable_nonfinite_data_check():
    """`fit`/`evaluate` raise on NaN or infinity in `x`, `y` or `sample_weight` (the default)."""
    set_nonfinite_data_check(True)


def disable_nonfinite_data_check():
    """`fit`/`evaluate` accept NaN and infinity in their input, as tf.keras does."""
    set_nonfinite_data_check(False)


def is_nonfinite_data_check_enabled():
    return nonfinite_data_check_enabled()
