"""`StringLookup`: strings to integer indices (or back, with `invert=True`), as tf.keras's."""
from kerasx.layers.preprocessing.index_lookup import STRING, IndexLookup


class StringLookup(IndexLookup):
    """Maps strings from a vocabulary to integer indices.

    The vocabulary comes from `vocabulary` (a list, array or file path, one token a line) or from
    `adapt` (most frequent first, ties broken by the token, high to low). Out-of-vocabulary strings take
    the `num_oov_indices` OOV indices (hashed with FarmHash when there are several); `mask_token`
    (None: none) is index 0 in 'int' mode and dropped in the others. With `invert=True` indices map back
    to tokens, returned as a host array of `str` (strings never go to the device)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, encoding="utf-8", invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        # Older configs give the layer the input's dtype, string, rather than the output's.
        if kwargs.get("dtype") == STRING:
            del kwargs["dtype"]
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=STRING,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def get_config(self):
        config = super().get_config()
        # There is only one valid dtype for strings, so it is not exposed (as tf.keras).
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
