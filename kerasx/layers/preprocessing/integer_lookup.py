"""`IntegerLookup`: integers to integer indices (or back, with `invert=True`), as tf.keras's."""
from kerasx.layers.preprocessing.index_lookup import IndexLookup

_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class IntegerLookup(IndexLookup):
    """Maps integers from a vocabulary to integer indices.

    As `StringLookup`, with integer tokens: the OOV token is -1 by default, and with several OOV indices
    an unknown value `v` takes OOV index `v mod num_oov_indices`. An integer Tensor on the device is read
    back for the lookup (one transfer per call), as tf.keras runs its table on the CPU."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        if str(vocabulary_dtype) not in _INTEGER_DTYPES:
            raise ValueError(f"`vocabulary_dtype` must be an integer dtype. Received: {vocabulary_dtype}")
        if output_mode != "int" and kwargs.get("dtype") == "int64":
            del kwargs["dtype"]
        # tf.keras 2.x's deprecated names.
        max_tokens = kwargs.pop("max_values", max_tokens)
        mask_token = kwargs.pop("mask_value", mask_token)
        oov_token = kwargs.pop("oov_value", oov_token)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}.")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received "
                             f"num_oov_indices={num_oov_indices}.")
        mask_token = None if mask_token is None else int(mask_token)
        oov_token = None if oov_token is None else int(oov_token)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=str(vocabulary_dtype),
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)
