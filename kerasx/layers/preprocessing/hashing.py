"""`Hashing`: strings or integers into `num_bins` bins, with TensorFlow's hashes (FarmHash Fingerprint64,
or SipHash-2-4 keyed by `salt`), so bins agree with tf.keras's for the same values."""
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing.encoding import COUNT, INT, MULTI_HOT, ONE_HOT, encode_categorical_inputs, \
    encoded_shape
from kerasx.layers.preprocessing.hash_functions import hash_to_bins, mask_values
from kerasx.layers.preprocessing.preprocessing_layer import (HostPreprocessingLayer, check_int_dtype,
                                                             output_dtype_kwargs, refuse_sparse,
                                                             validate_string_arg)
from kerasx.layers.preprocessing.string_ops import as_strings, host_array, is_strings


class Hashing(HostPreprocessingLayer):
    """Hashes and bins categorical features (tf.keras's `Hashing`).

    `mask_value` (None: no mask) goes to bin 0 and the others hash into bins 1..num_bins-1. Integers are
    hashed as their decimal strings (`tf.as_string`). With `salt` (an int, or a pair of ints) the hash is
    SipHash64, else FarmHash64; both are TensorFlow's."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if num_bins is None or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        validate_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT), "Hashing", "output_mode")
        if sparse and output_mode == INT:
            raise ValueError('`sparse` may only be true if `output_mode` is `"one_hot"`, `"multi_hot"`, or '
                             f'`"count"`. Received: sparse={sparse} and output_mode={output_mode}')
        refuse_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(isinstance(s, int) for s in salt):
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or "
                                 f"a single integer. Received: salt={salt}.")
        dtype = kwargs.get("dtype")
        super().__init__(**output_dtype_kwargs(kwargs, output_mode))
        check_int_dtype(self, output_mode, dtype)
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs):
        values = host_array(inputs)
        if not is_strings(values) and values.dtype.kind not in "iub":
            raise ValueError(f'Layer "{self.name}" (Hashing) takes strings or integers; received an input of '
                             f"dtype {values.dtype}.")
        bins = self._hash_values_to_bins(values)
        return as_tensor(encode_categorical_inputs(bins, self.output_mode, self.num_bins, dtype=self.dtype))

    def _hash_values_to_bins(self, values):
        return hash_to_bins(as_strings(values), self.num_bins, mask_values(values, self.mask_value),
                            self.salt, "Hashing")

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config
