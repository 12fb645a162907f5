"""`PreprocessingLayer` for the string and categorical layers: `adapt` over arrays, lists and
`kerasx.data.Dataset`s (tf.keras's `reset_state`, `update_state` per batch, `finalize_state`), host
inputs kept as host arrays, and tf.keras's argument checks with its messages.

These layers compute on the host (strings never reach a device, `engine/string_inputs.py`) and hand
their integer or float outputs to the device as Tensors; an integer Tensor given to them is read back
once per call, as tf.keras runs them on the CPU."""
from backends.config import floatx
from kerasx.autodiff.tensor import Tensor
from kerasx.data.dataset import Dataset
from kerasx.engine.base_layer import Layer
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


class PreprocessingLayer(Layer):
    """Base of the layers that learn their state from data with `adapt` rather than from gradients."""

    _accepts_string_inputs = True
    # Their outputs' shapes follow their arguments and vocabulary, not a placeholder run.
    _output_shape_from_compute = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        return self._is_adapted

    def _convert_inputs(self, inputs):
        # Host data (strings above all) stays on the host; a Tensor stays a Tensor until `call` needs it.
        return inputs if isinstance(inputs, Tensor) else host_array(inputs)

    def update_state(self, data):
        raise NotImplementedError

    def finalize_state(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the layer's state from `data`: an array, a (nested) list, or a `kerasx.data.Dataset`
        whose elements are batches (or single examples) of features. `batch_size` (default 32) splits
        arrays; `steps` limits the number of batches."""
        name = type(self).__name__
        if isinstance(data, Dataset):
            if batch_size is not None:
                raise ValueError(f"{name}.adapt: `batch_size` must be None for a Dataset, which gives its "
                                 f"own batches; received batch_size={batch_size}.")
            batches = data.as_numpy_iterator()
        else:
            if isinstance(data, (list, tuple)) and not data:
                raise ValueError(f"{name}.adapt needs data; received an empty {type(data).__name__}.")
            if steps is not None:
                raise ValueError(f"{name}.adapt: `steps` is not supported with array inputs; received "
                                 f"steps={steps}.")
            array = data.numpy() if isinstance(data, Tensor) else host_array(data)
            size = int(batch_size or 32)
            if array.ndim == 0:
                batches = iter([array])
            else:
                batches = (array[i:i + size] for i in range(0, max(len(array), 1), size))
        self.reset_state()
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, (tuple, dict)):
                raise ValueError(f"{name}.adapt takes features only; the Dataset gave a {type(batch).__name__} "
                                 "element. Map it to its features first: `dataset.map(lambda x, y: x)`.")
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True
