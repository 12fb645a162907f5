"""CategoryEncoding (tf.keras.layers.CategoryEncoding): integer category indices to dense one-hot,
multi-hot or count vectors of `num_tokens`; `encode_categorical_inputs` is the encoding the other
preprocessing layers with an `output_mode` share (Discretization, the lookups)."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer

INT, ONE_HOT, MULTI_HOT, COUNT = "int", "one_hot", "multi_hot", "count"


def check_output_mode(layer_name, output_mode, allowed):
    if output_mode not in allowed:
        raise ValueError(f"Unknown `output_mode` argument passed to {layer_name} layer: {output_mode!r}. "
                         f"Allowed values are: {list(allowed)}.")


def check_token_range(layer_name, inputs, depth):
    """Raises unless every index is in [0, depth): one read-back of the (min, max) pair, as tf.keras's
    assertion reads them."""
    if inputs.size == 0:
        return
    low, high = (int(v) for v in ops.stack([ops.min(inputs), ops.max(inputs)]).numpy())
    if low < 0 or high >= depth:
        raise ValueError(f"Input values of {layer_name} must be in the range 0 <= values < num_tokens with "
                         f"num_tokens={depth}. Received values in [{low}, {high}].")


def encode_categorical_inputs(inputs, output_mode, depth, dtype="float32", count_weights=None):
    """tf.keras's `encode_categorical_inputs` for dense outputs: 'int' casts; 'one_hot' encodes each
    index (a trailing axis of 1 is replaced, else one is added); 'multi_hot' and 'count' encode each
    sample's last axis into one vector of `depth` (a 1 for each index present, or how many times,
    weighted by `count_weights`). Outputs have rank 2 at most, as tf.keras's."""
    inputs = as_tensor(inputs)
    if output_mode == INT:
        return ops.cast(inputs, dtype)
    original_shape = tuple(inputs.shape)
    x = ops.expand_dims(inputs, -1) if inputs.ndim == 0 else inputs
    if output_mode == ONE_HOT and x.shape[-1] != 1:
        x = ops.expand_dims(x, -1)
    if x.ndim > 2:
        raise ValueError("When output_mode is not `'int'`, maximum supported output rank is 2. Received "
                         f"output_mode {output_mode} and input shape {original_shape}, which would result in "
                         f"output rank {x.ndim}.")
    hot = ops.one_hot(ops.cast(x, "int32"), depth=depth, dtype=dtype)  # (..., length, depth)
    if count_weights is not None:
        weights = ops.cast(as_tensor(count_weights), dtype)
        if tuple(weights.shape) != tuple(x.shape):
            raise ValueError(f"`count_weights` must have the shape of the inputs {tuple(x.shape)}. Received "
                             f"count_weights of shape {tuple(weights.shape)}.")
        hot = ops.multiply(hot, ops.expand_dims(weights, -1))
    if output_mode == COUNT:
        return ops.sum(hot, axis=-2)
    return ops.max(hot, axis=-2)


class CategoryEncoding(Layer):
    """Encodes integer indices in [0, num_tokens) as 'multi_hot' (the default), 'one_hot' or 'count'
    vectors, float32 by default (`sparse=True` is TensorFlow's SparseTensor, which kerasx has not)."""

    def __init__(self, num_tokens=None, output_mode=MULTI_HOT, sparse=False, **kwargs):
        if "max_tokens" in kwargs:  # tf.keras's deprecated name
            num_tokens = kwargs.pop("max_tokens")
        if output_mode == "binary":  # and its deprecated mode name
            output_mode = MULTI_HOT
        check_output_mode("CategoryEncoding", output_mode, (COUNT, ONE_HOT, MULTI_HOT))
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding(sparse=True) returns a TensorFlow SparseTensor, which kerasx does "
                             "not have: use sparse=False for dense outputs.")
        super().__init__(**kwargs)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != COUNT:
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. Received "
                             f"`count_weights={count_weights}`.")
        check_token_range(f'layer "{self.name}" (CategoryEncoding)', inputs, self.num_tokens)
        return encode_categorical_inputs(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = list(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == ONE_HOT and input_shape[-1] != 1:
            return tuple(input_shape + [self.num_tokens])
        return tuple(input_shape[:-1] + [self.num_tokens])

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return config
