"""Discretization (tf.keras.layers.Discretization): the index of the bin each value falls in, from
given `bin_boundaries` or from `num_bins` quantiles that `adapt` estimates (within `epsilon`), encoded
as 'int' indices or 'one_hot' / 'multi_hot' / 'count' vectors of len(bin_boundaries) + 1."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing import quantiles
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from kerasx.layers.preprocessing.category_encoding import (COUNT, INT, MULTI_HOT, ONE_HOT, check_output_mode,
                                                           encode_categorical_inputs)

_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class Discretization(PreprocessingLayer):
    """Bins values: ``bin_boundaries=[0., 1., 2.]`` gives bins (-inf, 0), [0, 1), [1, 2), [2, inf).

    With `num_bins` the boundaries are learnt by `adapt`, which keeps tf.keras's ``summary`` weight (a
    (2, n) float32 quantile summary whose n grows with the data) and derives the boundaries from it, also
    after the weights are loaded. 'int' outputs are int64 (the layer's dtype), the encodings floatx and
    `num_bins` wide."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode=INT, sparse=False, **kwargs):
        if "bins" in kwargs:  # tf.keras's deprecated argument
            bins = kwargs.pop("bins")
            if isinstance(bins, int) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        check_output_mode("Discretization", output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT))
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else "float32"
        elif output_mode == INT and str(kwargs["dtype"]) not in _INTEGER_DTYPES:
            kwargs["dtype"] = "int64"
        if sparse:
            raise ValueError("Discretization(sparse=True) returns a TensorFlow SparseTensor, which kerasx does "
                             "not have: use sparse=False for dense outputs.")
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 0):
            raise ValueError(f"`num_bins` must be greater than or equal to 0. You passed `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. You passed "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in (bin_boundaries.tolist() if hasattr(bin_boundaries, "tolist")
                                                 else bin_boundaries)]
            if any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries)):
                raise ValueError(f"`bin_boundaries` must be sorted in increasing order. Received: "
                                 f"bin_boundaries={bin_boundaries}")
        super().__init__(**kwargs)
        self.input_bin_boundaries = bin_boundaries
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else []
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse

    def build(self, input_shape):
        if self.input_bin_boundaries is None:
            self.summary = self.add_weight("summary", shape=(2, 0), dtype="float32", initializer="zeros",
                                           trainable=False)
            self.summary.resizable_axes = (1,)
        self.built = True

    # ------------------------------------------------------------ adapt
    def _check_adaptable(self):
        if self.input_bin_boundaries is not None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             f"`bin_boundaries`, use `num_bins` instead. You passed "
                             f"`bin_boundaries={self.input_bin_boundaries}`.")
        if self.num_bins is None:
            raise ValueError("Discretization needs `num_bins` to be adapted: pass `num_bins` (or "
                             "`bin_boundaries` instead of adapting).")

    def adapt(self, data, batch_size=None, steps=None):
        """Estimates `num_bins` quantile boundaries of `data` (a Dataset, an array, a list or a Tensor)."""
        self._check_adaptable()
        super().adapt(data, batch_size=batch_size, steps=steps)

    def update_state(self, data):
        self._check_adaptable()
        if not self.built:
            raise RuntimeError("`build` must be called before `update_state`.")
        values = data.numpy() if hasattr(data, "numpy") else data
        summary = quantiles.summarize(values, self.epsilon)
        self.summary.assign(quantiles.merge_summaries(summary, self.summary.numpy(), self.epsilon))

    def reset_state(self):
        if self.input_bin_boundaries is not None or not self.built:
            return
        self.summary.assign(ops.zeros((2, 0), dtype="float32"))

    def finalize_state(self):
        if self.input_bin_boundaries is not None or not self.built or self.num_bins is None:
            return
        summary = self.summary.numpy()
        self.bin_boundaries = quantiles.bin_boundaries(summary, self.num_bins) if summary.shape[1] else []

    def set_weights(self, weights):
        super().set_weights(weights)
        self.finalize_state()

    # ------------------------------------------------------------ call
    def call(self, inputs):
        x = as_tensor(inputs)
        if self.bin_boundaries:
            # Bucketize: the number of boundaries at or below each value.
            dtype = x.dtype if x.dtype.startswith("float") else "float64"
            boundaries = as_tensor(self.bin_boundaries, dtype=dtype)
            at_or_above = ops.greater_equal(ops.expand_dims(ops.cast(x, dtype), -1), boundaries)
            indices = ops.sum(ops.cast(at_or_above, "int64"), axis=-1)
        else:
            indices = ops.zeros(tuple(x.shape), dtype="int64")
        return encode_categorical_inputs(indices, self.output_mode, self._depth(), self.dtype)

    def _depth(self):
        """The encodings' width: len(bin_boundaries) + 1, as tf.keras; with `num_bins`, `num_bins` even
        before `adapt` (tf.keras's is 1 until then), so that a model built from the config, as
        `load_model` builds it, has the width of the adapted one."""
        if self.input_bin_boundaries is None and self.num_bins is not None:
            return max(self.num_bins, len(self.bin_boundaries) + 1)
        return len(self.bin_boundaries) + 1

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.input_bin_boundaries, "num_bins": self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse})
        return config
