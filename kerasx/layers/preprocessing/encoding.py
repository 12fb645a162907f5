"""tf.keras's `encode_categorical_inputs` (preprocessing_utils.py): integer indices as themselves ('int'),
or as one-hot / multi-hot / count / tf-idf rows of width `depth`.

Computed on the host, where the indices already are (the lookups and hashes run there): counting rows
there costs O(batch x depth), where a device one-hot would hold O(batch x length x depth) (a batch of
long texts over a large vocabulary), and the result moves to the device once either way.

Indices outside [0, depth) add nothing to a row, as `tf.math.bincount` with `maxlength=depth` drops
them; the lookup layers give dropped tokens (the mask in the counting modes) the index -1 for that."""
import numpy as np  # host-side: categorical indices are counted on the host, then moved to the device once

INT = "int"
ONE_HOT = "one_hot"
MULTI_HOT = "multi_hot"
COUNT = "count"
TF_IDF = "tf_idf"


def encode_categorical_inputs(inputs, output_mode, depth, dtype="float32", idf_weights=None):
    """`inputs`: a host integer array of indices. Returns a host array of `dtype`."""
    inputs = np.asarray(inputs)
    if output_mode == INT:
        return inputs.astype(dtype)
    original_shape = inputs.shape
    if inputs.ndim == 0:
        inputs = inputs[..., None]
    if output_mode == ONE_HOT and inputs.shape[-1] != 1:
        inputs = inputs[..., None]
    if inputs.ndim > 2:
        raise ValueError("When output_mode is not `'int'`, maximum supported output rank is 2. Received "
                         f"output_mode {output_mode} and input shape {original_shape}, which would result "
                         f"in output rank {inputs.ndim}.")
    rows = inputs if inputs.ndim == 2 else inputs[None, :]
    out = np.zeros((rows.shape[0], depth), dtype=dtype)
    valid = (rows >= 0) & (rows < depth)
    row_ids = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)
    if output_mode in (ONE_HOT, MULTI_HOT):
        out[row_ids[valid], rows[valid]] = 1
    else:
        np.add.at(out, (row_ids[valid], rows[valid]), 1)
    if output_mode == TF_IDF:
        if idf_weights is None:
            raise ValueError("When output mode is `'tf_idf'`, idf_weights must be provided. Received: "
                             f"output_mode={output_mode} and idf_weights={idf_weights}")
        out *= np.asarray(idf_weights, dtype=dtype)
    return out if inputs.ndim == 2 else out[0]


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
