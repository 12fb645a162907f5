"""tf.keras's `encode_categorical_inputs` (preprocessing_utils.py) on the device, composed from ops: integer
indices as themselves ('int'), or as one-hot / multi-hot / count / tf-idf rows of width `depth`.

Indices outside [0, depth) add nothing to a row, as `tf.math.bincount` with `maxlength=depth` drops them;
the lookup layers give dropped tokens (the mask in the counting modes) the index -1 for that."""
from kerasx import ops

INT = "int"
ONE_HOT = "one_hot"
MULTI_HOT = "multi_hot"
COUNT = "count"
TF_IDF = "tf_idf"


def encode_categorical_inputs(inputs, output_mode, depth, dtype="float32", idf_weights=None):
    """`inputs`: an integer Tensor of indices. Returns a Tensor of `dtype`."""
    if output_mode == INT:
        return ops.cast(inputs, dtype)
    original_shape = inputs.shape
    if inputs.ndim == 0:
        inputs = ops.expand_dims(inputs, -1)
    if output_mode == ONE_HOT and inputs.shape[-1] != 1:
        inputs = ops.expand_dims(inputs, -1)
    if inputs.ndim > 2:
        raise ValueError("When output_mode is not `'int'`, maximum supported output rank is 2. Received "
                         f"output_mode {output_mode} and input shape {original_shape}, which would result "
                         f"in output rank {inputs.ndim}.")
    hot = ops.one_hot(inputs, depth, dtype=dtype)  # (..., n, depth)
    if output_mode in (ONE_HOT, MULTI_HOT):
        return ops.max(hot, axis=-2)
    counts = ops.sum(hot, axis=-2)
    if output_mode == COUNT:
        return counts
    if idf_weights is None:
        raise ValueError("When output mode is `'tf_idf'`, idf_weights must be provided. Received: "
                         f"output_mode={output_mode} and idf_weights={idf_weights}")
    return ops.multiply(counts, idf_weights)


def encoded_shape(shape, output_mode, depth):
    """The shape `encode_categorical_inputs` gives for an input of `shape` (None for unknown sizes)."""
    shape = tuple(shape)
    if output_mode == INT:
        return shape
    if not shape:
        return (depth,)
    if output_mode == ONE_HOT and shape[-1] != 1:
        return shape + (depth,)
    return shape[:-1] + (depth,)
