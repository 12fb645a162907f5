"""The preprocessing `Normalization` layer (tf.keras.layers.Normalization): ``(x - mean) / sqrt(var)``
per position of `axis`, with the statistics given or computed by `adapt`, and `invert` to undo it."""
from backends.config import epsilon
from kerasx import ops
from kerasx.autodiff.tensor import Tensor, Variable, as_tensor
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer


def _axis_tuple(axis):
    if axis is None:
        return ()
    if isinstance(axis, int) and not isinstance(axis, bool):
        return (axis,)
    if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return tuple(axis)
    raise TypeError("`axis` of Normalization must be an int, a list/tuple of ints or None. "
                    f"Received: axis={axis!r}")


def _listify(value):
    """A config value as JSON: Tensors and arrays as (nested) lists."""
    if isinstance(value, Tensor):
        value = value.numpy()
    return value.tolist() if hasattr(value, "tolist") else value


class Normalization(PreprocessingLayer):
    """Shifts and scales inputs to mean 0 and variance 1 per position of the kept `axis` (the last by
    default; None: one mean and variance for everything).

    Its statistics are either given (`mean` and `variance`, broadcast to the kept axes) or learnt by
    `adapt`, which keeps tf.keras's non-trainable weights ``mean``, ``variance`` (the kept axes' shape)
    and ``count`` (int64, the number of values seen) and merges batches as tf.keras does. The divisor is
    ``max(sqrt(variance), K.epsilon())``; `invert` maps normalized values back."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        axis = _axis_tuple(axis)
        if isinstance(mean, Variable) or isinstance(variance, Variable):
            which = "mean" if isinstance(mean, Variable) else "variance"
            raise ValueError(f"Normalization does not support passing a Variable for the `{which}` init arg.")
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Got mean: {mean} and variance: {variance}")
        super().__init__(**kwargs)
        self.axis = axis
        self.input_mean = _listify(mean)
        self.input_variance = _listify(variance)
        self.invert = invert

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Found ndim: `{ndim}`, "
                             f"axis: {self.axis} (layer \"{self.name}\")")
        self._keep_axis = sorted(a if a >= 0 else a + ndim for a in self.axis)
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have known shape. Got axis: {self.axis}, "
                                 f"input shape: {input_shape}, with unknown axis at index: {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape=shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", shape=shape, initializer="ones", trainable=False)
            self.count = self.add_weight("count", shape=(), dtype="int64", initializer="zeros", trainable=False)
            self._count_seen = 0
        else:
            # As tf.keras: broadcast to the kept axes' shape, then reshape to the input's rank, so that one
            # value per channel lands on the channel axis wherever it is (axis=1 for channels_first).
            ones = ops.ones(shape, dtype=self.dtype)
            self._fixed_mean = ops.reshape(ops.multiply(ones, as_tensor(self.input_mean, dtype=self.dtype)),
                                           self._broadcast_shape)
            self._fixed_variance = ops.reshape(ops.multiply(ones, as_tensor(self.input_variance, dtype=self.dtype)),
                                               self._broadcast_shape)
        self.built = True

    # ------------------------------------------------------------ statistics
    @property
    def mean(self):
        """The mean `call` uses, in the input's rank (1 on the reduced axes)."""
        if self.input_mean is not None:
            return self._fixed_mean
        return ops.reshape(self.adapt_mean.value(), self._broadcast_shape)

    @property
    def variance(self):
        if self.input_mean is not None:
            return self._fixed_variance
        return ops.reshape(self.adapt_variance.value(), self._broadcast_shape)

    def update_state(self, data):
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with static `mean` and "
                             f"`variance`, you passed mean {self.input_mean} and variance {self.input_variance}.")
        if not self.built:
            raise RuntimeError("`build` must be called before `update_state`.")
        data = ops.cast(as_tensor(data), self.dtype)
        if data.ndim != len(self._broadcast_shape):
            raise ValueError(f'Layer "{self.name}" (Normalization) was built for inputs of rank '
                             f"{len(self._broadcast_shape)}, but adapt received a batch of shape "
                             f"{tuple(data.shape)}.")
        axes = self._reduce_axis
        batch_mean = ops.mean(data, axis=axes) if axes else data
        batch_variance = ops.mean(ops.square(ops.subtract(data, ops.mean(data, axis=axes, keepdims=True))),
                                  axis=axes) if axes else ops.zeros_like(data)
        batch_count = 1
        for d in axes:
            batch_count *= data.shape[d]
        # The running count is mirrored on the host (adapt starts from reset_state), so the merge weights
        # are Python numbers: no read-back per batch.
        total = self._count_seen + batch_count
        batch_weight = batch_count / total
        existing_weight = 1.0 - batch_weight
        old_mean, old_variance = self.adapt_mean.value(), self.adapt_variance.value()
        total_mean = ops.add(ops.multiply(old_mean, existing_weight), ops.multiply(batch_mean, batch_weight))
        total_variance = ops.add(
            ops.multiply(ops.add(old_variance, ops.square(ops.subtract(old_mean, total_mean))), existing_weight),
            ops.multiply(ops.add(batch_variance, ops.square(ops.subtract(batch_mean, total_mean))), batch_weight))
        self.adapt_mean.assign(total_mean)
        self.adapt_variance.assign(total_variance)
        self.count.assign(total)
        self._count_seen = total

    def reset_state(self):
        if self.input_mean is not None or not self.built:
            return
        self.adapt_mean.assign(ops.zeros_like(self.adapt_mean.value()))
        self.adapt_variance.assign(ops.ones_like(self.adapt_variance.value()))
        self.count.assign(0)
        self._count_seen = 0

    def finalize_state(self):
        # `mean` and `variance` are read from the weights at each call, so loaded weights count too.
        return None

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` (a Dataset, an array, a list or a Tensor) per position
        of the kept axes, batch by batch."""
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with static `mean` and "
                             f"`variance`, you passed mean {self.input_mean} and variance {self.input_variance}.")
        super().adapt(data, batch_size=batch_size, steps=steps)

    # ------------------------------------------------------------ call
    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)
        scale = ops.maximum(ops.sqrt(self.variance), epsilon())
        if self.invert:
            return ops.add(self.mean, ops.multiply(x, scale))
        return ops.divide(ops.subtract(x, self.mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "invert": self.invert, "mean": self.input_mean,
                       "variance": self.input_variance})
        return config
