"""`PreprocessingLayer` for the string and categorical layers: `adapt` over arrays, lists and
`kerasx.data.Dataset`s (tf.keras's `reset_state`, `update_state` per batch, `finalize_state`), host
inputs kept as host arrays, and tf.keras's argument checks with its messages.

These layers compute on the host (strings never reach a device, `engine/string_inputs.py`) and hand
their integer or float outputs to the device as Tensors; an integer Tensor given to them is read back
once per call, as tf.keras runs them on the CPU."""
from backends.config import floatx
from kerasx.autodiff.tensor import Tensor
from kerasx.data.dataset import Dataset
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from kerasx.layers.preprocessing.string_ops import host_array

_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def validate_string_arg(value, allowable, layer_name, arg_name, allow_none=False, allow_callables=False):
    """tf.keras's `layer_utils.validate_string_arg`."""
    if allow_none and value is None:
        return
    if allow_callables and callable(value):
        return
    if isinstance(value, str) and value in allowable:
        return
    allowed = [f"`{a}`" for a in allowable]
    if allow_none:
        allowed.append("`None`")
    if allow_callables:
        allowed.append("a `Callable`")
    raise ValueError(f"The `{arg_name}` argument of layer {layer_name} received an invalid value `{value}`. "
                     f"Allowed values are: {', '.join(allowed)}.")


def output_dtype_kwargs(kwargs, output_mode):
    """tf.keras's default layer dtype: int64 for integer outputs, floatx for encoded ones; a floating
    dtype given with output_mode 'int' (old configs) becomes int64."""
    dtype = kwargs.get("dtype")
    if dtype is None:
        kwargs["dtype"] = "int64" if output_mode == "int" else floatx()
    return kwargs


def check_int_dtype(layer, output_mode, dtype):
    if output_mode == "int" and layer.dtype not in _INTEGER_DTYPES:
        raise ValueError(f"When `output_mode='int'`, `dtype` should be an integer type. Received: dtype={dtype}")


def refuse_sparse(layer_name, sparse, ragged=False):
    if sparse or ragged:
        what = "sparse=True" if sparse else "ragged=True"
        raise ValueError(f"{layer_name}: kerasx has no sparse or ragged tensors, so {what} is not supported; "
                         "outputs are dense Tensors.")


class HostPreprocessingLayer(PreprocessingLayer):
    """The string and categorical layers' base: `PreprocessingLayer` whose inputs stay host arrays
    (strings never reach a device) and whose `adapt` takes its data as host arrays too."""

    _accepts_string_inputs = True
    # Their outputs' shapes follow their arguments and vocabulary, not a placeholder run.
    _output_shape_from_compute = True

    def _convert_inputs(self, inputs):
        # Host data (strings above all) stays on the host; a Tensor stays a Tensor until `call` needs it.
        return inputs if isinstance(inputs, Tensor) else host_array(inputs)

    def adapt(self, data, batch_size=None, steps=None):
        """`PreprocessingLayer.adapt` over `data` made a host array first (a list of strings becomes a
        NumPy string array; a Tensor is read back), so that every batch reaches `update_state` as one."""
        if not isinstance(data, Dataset):
            if isinstance(data, (list, tuple)) and not data:
                raise ValueError(f"{type(self).__name__}.adapt needs data; received an empty "
                                 f"{type(data).__name__}.")
            data = data.numpy() if isinstance(data, Tensor) else host_array(data)
            if data.ndim == 0:
                data = data.reshape(1)
        super().adapt(data, batch_size, steps)
