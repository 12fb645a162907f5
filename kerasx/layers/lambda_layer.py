"""`Lambda` (any function of the inputs as a layer) and `ActivityRegularization`
(tf.keras.layers.core.lambda_layer / activity_regularization).

A Lambda's config stores a Python function as tf.keras 2.x does: its bytecode, marshalled and base64
encoded, with its defaults and closure values. Loading that bytecode runs code from the file, so
`from_config` refuses it in safe mode (the default; see `kerasx.saving.safe_mode`)."""
import inspect
import sys
import types

from kerasx import regularizers
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.saving.function_code import func_dump, func_load
from kerasx.saving.object_registration import deserialize_keras_object
from kerasx.saving.safe_mode import check_python_code_allowed


def _serialize_function(fn, allow_raw=False):
    """``(value, type, module)``: 'lambda' for every Python function (tf.keras's test is
    `isinstance(fn, types.LambdaType)`, true of `def` functions too), 'function' for other named
    callables (stored by name), 'raw' for a plain value such as an output shape tuple."""
    if isinstance(fn, types.LambdaType):
        return func_dump(fn), "lambda", fn.__module__
    if callable(fn):
        return fn.__name__, "function", getattr(fn, "__module__", None)
    if allow_raw:
        return fn, "raw", None
    raise ValueError(f"Invalid input for serialization, type: {type(fn)} ")


def _parse_function(config, custom_objects, attr, module_attr, type_attr):
    module = config.pop(module_attr, None)
    globs = dict(globals())
    if module in sys.modules:
        globs.update(vars(sys.modules[module]))
    if custom_objects:
        globs.update(custom_objects)
    kind = config.pop(type_attr)
    value = config[attr]
    if kind == "function":
        if module in sys.modules and isinstance(value, str) and hasattr(sys.modules[module], value):
            # A named attribute of an already-imported module: a lookup, no stored code runs.
            return getattr(sys.modules[module], value)
        return deserialize_keras_object(value, custom_objects=custom_objects,
                                        printable_module_name="function in Lambda layer")
    if kind == "lambda":
        check_python_code_allowed("Lambda", attr)
        return func_load(value, globs=globs)
    if kind == "raw":
        return value
    raise TypeError(f"Unknown function type received: {kind}. Expected types are ['function', 'lambda', "
                    "'raw']")


def _accepts(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Lambda(Layer):
    """`function(inputs, **arguments)` as a layer; `output_shape` (a shape without the batch axis, or a
    function of the input shape) when it cannot be inferred by running the function; `mask` a mask or a
    function ``(inputs, mask) -> mask``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        if not callable(function):
            raise ValueError(f"The `function` argument of a Lambda layer must be callable. Received: "
                             f"{function!r}")
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self.mask = mask
        if mask is not None:
            self.supports_masking = True
        self._output_shape = output_shape
        self._fn_expects_training_arg = _accepts(function, "training")
        self._fn_expects_mask_arg = _accepts(function, "mask")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        # A fixed shape excludes the batch axis, which comes from the (first) input.
        first = input_shape[0] if input_shape and isinstance(input_shape[0], (tuple, list)) else input_shape
        batch = first[0] if first else None
        return (batch,) + tuple(self._output_shape)

    def get_config(self):
        function, function_type, module = _serialize_function(self.function)
        shape, shape_type, shape_module = _serialize_function(self._output_shape, allow_raw=True)
        config = {"function": function, "function_type": function_type, "module": module,
                  "output_shape": shape, "output_shape_type": shape_type,
                  "output_shape_module": shape_module}
        if self.mask is not None:
            mask, mask_type, mask_module = _serialize_function(self.mask)
            config.update({"mask": mask, "mask_type": mask_type, "mask_module": mask_module})
        config["arguments"] = self.arguments
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _parse_function(config, custom_objects, "function", "module", "function_type")
        config["output_shape"] = _parse_function(config, custom_objects, "output_shape",
                                                 "output_shape_module", "output_shape_type")
        if "mask" in config:
            config["mask"] = _parse_function(config, custom_objects, "mask", "mask_module", "mask_type")
        arguments = dict(config.get("arguments") or {})
        for key, value in arguments.items():
            # tf.keras writes NumPy array arguments as {"type": "ndarray", "value": nested lists}.
            if isinstance(value, dict) and value.get("type") == "ndarray":
                arguments[key] = as_tensor(value["value"])
        config["arguments"] = arguments
        return cls(**config)


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x^2)`` (divided by the batch size, as every
    activity regularizer in tf.keras) to `layer.losses` on each call."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
