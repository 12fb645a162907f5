"""`InputLayer` and `Input()`: the entry points of a functional model."""
from backends.config import floatx
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import check_shape_argument
from kerasx.engine.keras_tensor import KerasTensor, Node
from kerasx.engine.naming import unique_name


class InputLayer(Layer):
    """Holds a model's symbolic input; it computes nothing."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, sparse=False,
                 name=None, ragged=False, batch_input_shape=None, optional=False, **kwargs):
        if sparse or ragged:
            raise ValueError("kerasx has no sparse or ragged tensors: InputLayer(sparse=True) and "
                             "InputLayer(ragged=True) are not supported.")
        # tf_keras 2.15+ writes `"optional": false` in every InputLayer config; inputs that may be None
        # are not supported.
        if optional:
            raise ValueError("kerasx has no optional inputs: InputLayer(optional=True) is not supported.")
        if input_shape is not None and batch_input_shape is not None:
            raise ValueError("Only provide the input_shape OR batch_input_shape argument to InputLayer, "
                             "not both at the same time.")
        if batch_input_shape is None:
            if input_shape is None and input_tensor is None:
                raise ValueError("You should provide one of `input_shape`, `batch_input_shape` or "
                                 "`input_tensor` to InputLayer.")
            if input_tensor is not None:
                batch_input_shape = input_tensor.shape
            else:
                shape = check_shape_argument("InputLayer", "input_shape", input_shape)
                check_shape_argument("InputLayer", "batch_size", batch_size)
                batch_input_shape = (batch_size,) + shape
        else:
            check_shape_argument("InputLayer", "batch_input_shape", batch_input_shape)
        super().__init__(name=name or unique_name("input", zero_based=False),
                         dtype=dtype or floatx(), **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self.sparse = False
        self.ragged = False
        self.built = True
        self.is_placeholder = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        Node(self, (), {}, tensor)

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None, ragged=False,
          batch_shape=None, **kwargs):
    """A symbolic input tensor, as `tf.keras.Input`."""
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input a `shape` or a `tensor` or a `batch_shape` argument. "
                         "Note that `shape` does not include the batch dimension.")
    if batch_shape is not None and (shape is not None or batch_size is not None):
        raise ValueError("Only provide the `shape` OR `batch_shape` argument to Input, not both.")
    # Checked here too, so that the message names Input's own arguments.
    if shape is not None:
        shape = check_shape_argument("Input", "shape", shape)
    if batch_size is not None:
        check_shape_argument("Input", "batch_size", batch_size)
    if batch_shape is not None:
        batch_shape = check_shape_argument("Input", "batch_shape", batch_shape)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype, sparse=sparse,
                       input_tensor=tensor, ragged=ragged, batch_input_shape=batch_shape, **kwargs)
    return layer._inbound_nodes[0].outputs
