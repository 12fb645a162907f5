"""`HashedCrossing`: the cross of two or more scalar categorical features, hashed into `num_bins` with
`tf.sparse.cross_hashed`'s FingerprintCat64 chain, so bins agree with tf.keras's."""
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.layers.preprocessing.encoding import INT, ONE_HOT, encode_categorical_inputs, encoded_shape
from kerasx.layers.preprocessing.hash_functions import cross_hashed
from kerasx.layers.preprocessing.preprocessing_layer import (HostPreprocessingLayer, check_int_dtype,
                                                             output_dtype_kwargs, refuse_sparse,
                                                             validate_string_arg)
from kerasx.layers.preprocessing.string_ops import host_array, is_strings


class HashedCrossing(HostPreprocessingLayer):
    """Crosses categorical features with the hashing trick: `hash(features) % num_bins` per sample.

    Called on a list or tuple of at least two inputs of equal shape `()`, `(batch,)` or `(batch, 1)`,
    each of strings or integers. `output_mode`: 'int' or 'one_hot'."""

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        dtype = kwargs.get("dtype")
        super().__init__(**output_dtype_kwargs(kwargs, output_mode))
        check_int_dtype(self, output_mode, dtype)
        validate_string_arg(output_mode, (INT, ONE_HOT), "HashedCrossing", "output_mode")
        refuse_sparse("HashedCrossing", sparse)
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = False

    def _convert_inputs(self, inputs):
        self._check_at_least_two_inputs(inputs)
        return [x if isinstance(x, Tensor) else host_array(x) for x in inputs]

    def call(self, inputs):
        features = [host_array(x) for x in inputs]
        first = features[0].shape
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `[]`, `[batch_size]` or "
                             f"`[batch_size, 1]`. Received: inputs with shapes {[f.shape for f in features]}")
        if any(f.shape != first for f in features[1:]):
            raise ValueError("All `HashedCrossing` inputs should have equal shape. Received: inputs with shapes "
                             f"{[f.shape for f in features]}")
        if not all(is_strings(f) or f.dtype.kind in "iu" for f in features):
            raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. Received: "
                             f"inputs of dtypes {[str(f.dtype) for f in features]}")
        bins = cross_hashed([f.reshape(-1) for f in features], self.num_bins, "HashedCrossing")
        return as_tensor(encode_categorical_inputs(bins.reshape(first), self.output_mode, self.num_bins,
                                                   dtype=self.dtype))

    def compute_output_shape(self, input_shapes):
        self._check_at_least_two_inputs(input_shapes)
        return encoded_shape(input_shapes[0], self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse})
        return config

    def _check_at_least_two_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                             f"inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}")
