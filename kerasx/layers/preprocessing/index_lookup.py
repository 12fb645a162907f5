"""`IndexLookup`, the common part of `StringLookup` and `IntegerLookup` (tf.keras's index_lookup.py): a
vocabulary (from `adapt`, a list or array, or a file) mapped to integer indices on the host, the
indices encoded on the device ('int', 'one_hot', 'multi_hot', 'count', 'tf_idf'), or inverted back.

Index layout, as tf.keras: [mask (only with `mask_token` and output_mode 'int')] [OOV indices]
[vocabulary, most frequent first]."""
import collections

from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing import lookup_tables as tables
from kerasx.layers.preprocessing.encoding import (COUNT, INT, MULTI_HOT, ONE_HOT, TF_IDF,
                                                  encode_categorical_inputs, encoded_shape)
from kerasx.layers.preprocessing.preprocessing_layer import (HostPreprocessingLayer, check_int_dtype,
                                                             output_dtype_kwargs, refuse_sparse,
                                                             validate_string_arg)
from kerasx.layers.preprocessing.string_ops import host_array, is_strings

STRING = "string"


class IndexLookup(HostPreprocessingLayer):
    """Maps a vocabulary to integer indices. Not exported; see StringLookup and IntegerLookup."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 **kwargs):
        name = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        output_mode = {"binary": MULTI_HOT, "tf-idf": TF_IDF}.get(output_mode, output_mode)
        validate_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF), name, "output_mode")
        if invert and output_mode != INT:
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == INT:
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, "
                             f"`'count'` or `'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}")
        refuse_sparse(name, sparse)
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("has_static_table", None)
        dtype = kwargs.get("dtype")
        super().__init__(**output_dtype_kwargs(kwargs, output_mode))
        check_int_dtype(self, output_mode, dtype)
        self._tokens = []           # the learned vocabulary, without mask and OOV tokens
        self._index = self._build_index()  # token (and the mask token) -> index
        self._idf_weights = None    # host array of the tf-idf weights (output_mode 'tf_idf')
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------ the index layout
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == INT else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _parse_token(self, token):
        return str(token) if self.vocabulary_dtype == STRING else int(token)

    # ------------------------------------------------------------ vocabulary
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index by index (with mask and OOV tokens unless `include_special_tokens` is
        False)."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == INT:
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def vocabulary_size(self):
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def vocab_size(self):
        return self.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list, array, Tensor, or a file path with one token a line) and, for
        'tf_idf', the inverse document frequencies."""
        if self.output_mode == TF_IDF:
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is TF_IDF")
        elif idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if self.output_mode == TF_IDF:
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            tokens = tables.read_vocabulary_file(vocabulary, self._parse_token)
            self._set_tokens(self._strip_special_tokens(tokens))
            return
        vocab = [self._parse_token(t) for t in host_array(vocabulary).ravel().tolist()]
        if not vocab:
            raise ValueError(f"Cannot set an empty vocabulary, you passed {vocabulary}.")
        tokens = self._strip_special_tokens(vocab)
        found_special = len(tokens) != len(vocab)
        repeated = tables.repeated(tokens)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your "
                             f"dataset. The repeated terms are {repeated}")
        special = self._special_tokens()
        for token, arg in ((self.mask_token, "mask_token"), (self.oov_token if self.invert else None, "oov_token")):
            if token is not None and token in tokens:
                at = [i for i, t in enumerate(vocab) if t == token][-1]
                raise ValueError("Found reserved " + ("mask" if arg == "mask_token" else "OOV") + " token at "
                                 "unexpected location in `vocabulary`. Note that passed `vocabulary` does not "
                                 "need to include the OOV and mask tokens. Either remove all mask and OOV "
                                 "tokens, or include them only at the start of the vocabulary in precisely "
                                 f"this order: {special}. Received: {arg}={token} at vocabulary index {at}")
        new_size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. Passed vocab "
                             f"size is {new_size}, max vocab size is {self.max_tokens}.")
        if self.output_mode == TF_IDF:
            weights = tables.float_array(host_array(idf_weights).tolist())
            if len(vocab) != len(weights):
                raise ValueError("`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(weights)}, len(vocabulary) is {len(vocab)}")
            if weights.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array, but received {type(idf_weights)}")
            front = 0 if found_special else self._token_start_index()
            self._set_tokens(tokens)
            self._set_idf(weights, front, tables.mean(weights) if front else 0.0)
            return
        self._set_tokens(tokens)

    def _special_tokens(self):
        return [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices

    def _strip_special_tokens(self, vocab):
        start = self._token_start_index()
        return vocab[start:] if vocab[:start] == self._special_tokens() else vocab

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = self._build_index()
        self._record_vocabulary_size()

    def _build_index(self):
        start = self._token_start_index()
        index = {t: start + i for i, t in enumerate(self._tokens)}
        if self.mask_token is not None:
            # The mask is index 0 in 'int' mode and is dropped (-1, outside every row) in the others; it is
            # never a vocabulary token (set_vocabulary refuses it there, adapt leaves it out).
            index[self.mask_token] = 0 if self.output_mode == INT else -1
        return index

    def _set_idf(self, weights, front, front_value):
        back = 0
        if self.pad_to_max_tokens and self.max_tokens is not None:
            back = self.max_tokens - front - len(weights)
        padded = [front_value] * front + weights.tolist() + [0.0] * back
        self._idf_weights = tables.float_array(padded, self.dtype)

    def _record_vocabulary_size(self):
        self._ensure_vocab_size_unchanged()
        self._frozen_vocab_size = self.vocabulary_size()

    def _ensure_vocab_size_unchanged(self):
        if self.output_mode == INT or self.pad_to_max_tokens:
            return
        new_size = self.vocabulary_size()
        if self._frozen_vocab_size is not None and self.built and new_size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the "
                               "vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {new_size}")

    def _ensure_known_vocab_size(self):
        if self.output_mode == INT or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you "
                               "must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")

    # ------------------------------------------------------------ state as weights
    # As tf.keras: a layer that can be adapted (no `vocabulary` argument) has its vocabulary as a weight
    # (the tokens without mask and OOV), after the tf-idf weights where there are some. Neither is a
    # device Variable, so HDF5 files cannot hold them (tf.keras refuses too).
    @property
    def _state_outside_variables(self):
        if self._has_input_vocabulary:
            return None
        return "its adapted vocabulary"

    def get_weights(self):
        weights = []
        if self.output_mode == TF_IDF:
            weights.append(self._idf_weights if self._idf_weights is not None else
                           tables.float_array([], self.dtype))
        if not self._has_input_vocabulary:
            weights.append(tables.token_array(self.get_vocabulary(include_special_tokens=False),
                                              self.vocabulary_dtype == STRING))
        return weights

    def set_weights(self, weights):
        expected = len(self.get_weights())
        if len(weights) != expected:
            raise ValueError(f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of '
                             f"length {len(weights)}, but the layer was expecting {expected} weights. Provided "
                             f"weights: {str(weights)[:50]}...")
        weights = list(weights)
        idf = weights.pop(0) if self.output_mode == TF_IDF else None
        if weights:
            self._set_tokens([self._parse_token(t) for t in host_array(weights[0]).ravel().tolist()])
        if idf is not None:
            self._idf_weights = tables.float_array(host_array(idf).tolist(), self.dtype)

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer after setting a static vocabulary via "
                             "init argument or `set_vocabulary`.")
        rows = tables.documents(self._keys(host_array(data)))
        tables.count(self._token_counts, rows)
        if self.output_mode == TF_IDF:
            tables.count_documents(self._document_counts, rows)
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._token_counts.pop(special, None)
        limit = None if not self.max_tokens else self.max_tokens - self._token_start_index()
        tokens = tables.most_frequent(self._token_counts, limit)
        self._set_tokens(tokens)
        if self.output_mode == TF_IDF:
            weights = tables.idf([self._document_counts[t] for t in tokens], self._num_documents)
            self._set_idf(weights, self._token_start_index(), tables.mean(weights))
        self.reset_state()

    # ------------------------------------------------------------ calling
    def _keys(self, values):
        """The host array `values` checked against the vocabulary's dtype."""
        if self.vocabulary_dtype == STRING and not is_strings(values) and values.size:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) looks up strings; received an input '
                             f"of dtype {values.dtype}.")
        if self.vocabulary_dtype != STRING and values.dtype.kind in "fb":
            return values.astype("int64")  # as tf.keras casts its input to the vocabulary's dtype
        if self.vocabulary_dtype != STRING and values.dtype.kind not in "iu" and values.size:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) looks up integers; received an input '
                             f"of dtype {values.dtype}.")
        return values

    def call(self, inputs):
        self._ensure_known_vocab_size()
        values = host_array(inputs)
        if self.invert:
            return self._invert(values)
        return self._lookup_and_encode(self._keys(values))

    def _lookup_and_encode(self, values):
        """Indices of the host array `values` (keys), encoded as `output_mode` asks, as a Tensor."""
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return as_tensor(encode_categorical_inputs(self._lookup(values), self.output_mode, depth, dtype=self.dtype,
                                                   idf_weights=self._idf_weights))

    def _lookup(self, values):
        indices, unknown = tables.lookup_indices(values, self._index, num_oov_indices=self.num_oov_indices,
                                                 oov_start=self._oov_start_index(), owner=type(self).__name__)
        if unknown:
            raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                             f"{unknown}, consider setting `num_oov_indices=1`.")
        return indices

    def _invert(self, indices):
        if indices.dtype.kind not in "iu":
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) with invert=True maps integer indices '
                             f"to tokens; received an input of dtype {indices.dtype}.")
        by_index = {i: t for t, i in self._index.items() if i >= 0}
        if self.mask_token is not None:
            by_index[0] = self.mask_token
        if self.vocabulary_dtype == STRING:
            return tables.invert(indices, by_index, self.oov_token, object)
        return as_tensor(tables.invert(indices, by_index, self.oov_token, self.vocabulary_dtype))

    # ------------------------------------------------------------ shapes and config
    def compute_output_shape(self, input_shape):
        if self.output_mode == INT:
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_dtype(self):
        return self.vocabulary_dtype if self.invert else self.dtype

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": tables.to_list(self.input_idf_weights),
            "vocabulary": tables.to_list(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
        })
        return config
