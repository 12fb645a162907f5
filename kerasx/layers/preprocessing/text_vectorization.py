"""`TextVectorization`: strings -> standardized -> split into tokens -> n-grams -> a `StringLookup`
(mask '' and OOV '[UNK]'), as tf.keras's. Everything up to the indices runs on the host; the indices
(or multi-hot / count / tf-idf rows) go to the device as one Tensor."""
from backends.config import floatx
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing import string_ops
from kerasx.layers.preprocessing.encoding import COUNT, INT, MULTI_HOT, TF_IDF
from kerasx.layers.preprocessing.index_lookup import STRING
from kerasx.layers.preprocessing.lookup_tables import to_list
from kerasx.layers.preprocessing.preprocessing_layer import HostPreprocessingLayer, refuse_sparse, validate_string_arg
from kerasx.layers.preprocessing.string_lookup import StringLookup
from kerasx.saving.object_registration import deserialize_keras_object

LOWER_AND_STRIP_PUNCTUATION = "lower_and_strip_punctuation"
STRIP_PUNCTUATION = "strip_punctuation"
LOWER = "lower"
WHITESPACE = "whitespace"
CHARACTER = "character"
_STANDARDIZE = (LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION)
_SPLIT = (WHITESPACE, CHARACTER)


class TextVectorization(HostPreprocessingLayer):
    """Turns strings into sequences of token indices or into token-count rows (tf.keras's).

    `standardize`: 'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation', None, or a
    callable taking and returning a host array of strings. `split`: 'whitespace' (default), 'character',
    None, or a callable taking a 1-D host array of strings and returning one token list per string.
    `ngrams`: None, an int n (1..n-grams) or a tuple of widths. `output_mode`: 'int' (indices, padded
    with 0 to the longest sequence or to `output_sequence_length`), 'multi_hot', 'count', 'tf_idf', or
    None (the tokens themselves, as a host string array padded with '')."""

    def __init__(self, max_tokens=None, standardize=LOWER_AND_STRIP_PUNCTUATION, split=WHITESPACE, ngrams=None,
                 output_mode=INT, output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        if kwargs.get("dtype") not in (None, STRING):
            raise ValueError(f"`TextVectorization` may only have a dtype of string. Received dtype: "
                             f"{kwargs['dtype']}.")
        kwargs["dtype"] = STRING
        validate_string_arg(standardize, _STANDARDIZE, "TextVectorization", "standardize", allow_none=True,
                            allow_callables=True)
        validate_string_arg(split, _SPLIT, "TextVectorization", "split", allow_none=True, allow_callables=True)
        output_mode = {"binary": MULTI_HOT, "tf-idf": TF_IDF}.get(output_mode, output_mode)
        validate_string_arg(output_mode, (INT, COUNT, MULTI_HOT, TF_IDF), "TextVectorization", "output_mode",
                            allow_none=True)
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == INT and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != INT and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != INT:
            raise ValueError(f"`ragged` must not be true if `output_mode` is `'int'`. Received: ragged={ragged} "
                             f"and output_mode={output_mode}")
        refuse_sparse("TextVectorization", sparse, ragged)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = False
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="",
            output_mode=output_mode if output_mode is not None else INT,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)

    # ------------------------------------------------------------ vocabulary and adapt
    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    @property
    def _state_outside_variables(self):
        return self._lookup_layer._state_outside_variables

    def get_weights(self):
        return self._lookup_layer.get_weights()

    def set_weights(self, weights):
        self._lookup_layer.set_weights(weights)

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # ------------------------------------------------------------ calling
    def _preprocess(self, inputs):
        """Standardized strings (split None), or a host string array of tokens, one row per string,
        padded with '' (the lookup's mask token, which every output mode drops or maps to 0)."""
        strings = string_ops.host_array(inputs)
        if not string_ops.is_strings(strings) and strings.size:
            raise ValueError(f'Layer "{self.name}" (TextVectorization) takes strings; received an input of dtype '
                             f"{strings.dtype}.")
        if self._standardize in (LOWER, LOWER_AND_STRIP_PUNCTUATION):
            strings = string_ops.lower(strings)
        if self._standardize in (STRIP_PUNCTUATION, LOWER_AND_STRIP_PUNCTUATION):
            strings = string_ops.strip_punctuation(strings)
        if callable(self._standardize):
            strings = string_ops.host_array(self._standardize(strings))
        if self._split is None:
            return strings
        if strings.ndim > 1 and strings.shape[-1] != 1:
            raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 or the "
                             f"last shape dimension must be 1. Received: inputs.shape={strings.shape} with "
                             f"rank={strings.ndim}")
        split = {WHITESPACE: string_ops.split_whitespace, CHARACTER: string_ops.split_characters}.get(self._split)
        length = self._output_sequence_length if self._output_mode == INT else None
        return string_ops.tokenize(strings, split, self._split if split is None else None, self._ngrams, length)

    def call(self, inputs):
        tokens = self._preprocess(inputs)
        if self._output_mode is None:
            return tokens
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        if self._output_mode == INT:
            indices = lookup._lookup(tokens)
            if self._split is None:
                indices = string_ops.fit_length(indices, self._output_sequence_length)
            return as_tensor(indices)
        return lookup._lookup_and_encode(tokens)

    # ------------------------------------------------------------ shapes and config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == INT or self._output_mode is None:
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            # Split strings: a (batch, 1) input gives (batch, tokens), as `_preprocess` squeezes it.
            input_shape = (input_shape[:-1] if len(input_shape) > 1 else input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_dtype(self):
        if self._output_mode is None:
            return STRING
        return "int64" if self._output_mode == INT else floatx()

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens, "standardize": self._standardize, "split": self._split,
            "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length, "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False, "ragged": self._ragged, "vocabulary": to_list(lookup.input_vocabulary),
            "idf_weights": to_list(lookup.input_idf_weights), "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, builtin in (("standardize", _STANDARDIZE), ("split", _SPLIT)):
            value = config.get(key)
            if value is not None and not callable(value) and value not in builtin:
                config[key] = deserialize_keras_object(value, module_objects={}, printable_module_name="function")
        return cls(**config)
