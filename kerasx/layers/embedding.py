"""The layers that create masks: Embedding (a lookup table for integer ids, `mask_zero`) and Masking
(skips timesteps whose features all equal `mask_value`)."""
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.weight_arguments import add_configured_weight, serialize_arguments, store_weight_arguments


class Embedding(Layer):
    """Turns integer ids of shape (batch, ...) into vectors: (batch, ..., output_dim), looked up in the
    `embeddings` table of shape (input_dim, output_dim). Its gradient is a scatter-add into the rows
    that were looked up (the `take` primitive's VJP)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # As tf.keras: the input shape is always known, so a Sequential starting here can build.
            if isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length if input_length else None,)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError("Both `input_dim` and `output_dim` should be positive, found input_dim "
                             f"{input_dim} and output_dim {output_dim}")
        # Ids are not cast to floatx: a float32 id above 2**24 would change on the way.
        kwargs["autocast"] = False
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        store_weight_arguments(self, "embeddings", embeddings_initializer, embeddings_regularizer,
                               embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length
        self.input_spec = InputSpec(min_ndim=1)

    def build(self, input_shape=None):
        if input_shape is not None:
            self._check_input_length(tuple(input_shape))
        self.embeddings = add_configured_weight(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs):
        self._check_input_length(inputs.shape)
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, dtype="int32")
        try:
            return ops.take(self.embeddings, inputs, axis=0)
        except IndexError:
            raise ValueError(
                f'Layer "{self.name}" (Embedding) received ids outside [0, {self.input_dim}) (its '
                f"`input_dim`): ids from {int(ops.min(inputs))} to {int(ops.max(inputs))}.") from None

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def _check_input_length(self, input_shape):
        if self.input_length is None:
            return list(input_shape[1:])
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else [self.input_length]
        if len(lengths) != len(input_shape) - 1 or any(
                a is not None and b is not None and a != b for a, b in zip(lengths, input_shape[1:])):
            raise ValueError(f'Layer "{self.name}" (Embedding): "input_length" is {self.input_length}, but '
                             f"received input has shape {tuple(input_shape)}")
        return [b if a is None else a for a, b in zip(lengths, input_shape[1:])]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(self._check_input_length(input_shape)) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, (
            "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
            "activity_regularizer", "embeddings_constraint", "mask_zero", "input_length")))
        return config


class Masking(Layer):
    """Marks a timestep as padding when all its features equal `mask_value`: the output is the input
    with those timesteps zeroed, and its mask (batch, timesteps, ...) is False there."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value
        # `call` attaches the mask it computes anyway, rather than `compute_mask` comparing again.
        self._compute_output_and_mask_jointly = True
        self.input_spec = InputSpec(min_ndim=2)

    def _keep(self, inputs):
        """1.0 where some feature differs from `mask_value`, else 0.0, shape (..., 1), inputs' dtype."""
        differs = ops.cast(ops.not_equal(inputs, self.mask_value), dtype=inputs.dtype)
        return ops.max(differs, axis=-1, keepdims=True)

    def compute_mask(self, inputs, mask=None):
        return ops.greater(ops.squeeze(self._keep(inputs), axis=-1), 0.5)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = ops.multiply(inputs, keep)
        outputs._keras_mask = ops.greater(ops.squeeze(keep, axis=-1), 0.5)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
