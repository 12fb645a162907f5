"""`Layer`: the unit of computation and state, as tf.keras's base Layer.

Config in `__init__`, weights in `build` (called once, on the first call, with the input shape), math in
`call` (kerasx.ops on Tensors). Calling a layer on `KerasTensor`s (from `Input`) instead of Tensors builds a
functional-API node instead of computing.
"""
import inspect
import numbers
import warnings

from backends.config import floatx
from kerasx import constraints, initializers, ops, regularizers
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, Variable, as_tensor, is_float_dtype
from kerasx.engine import call_context
from kerasx.engine.functional_call import infer_output_shapes, symbolic_call
from kerasx.engine.input_spec import assert_input_compatibility, check_shape_argument
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.engine.naming import to_snake_case, unique_name
from kerasx.engine.string_inputs import is_string_array, refuse_strings
from kerasx.saving.object_registration import register_built_in, serialization

# Keyword arguments every Layer accepts besides its own (as Keras's `allowed_kwargs`).
_BASE_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "weights", "activity_regularizer",
                "autocast", "input_dim"}


class Layer:
    """Base class of every layer (and of `Model`)."""

    # True where `call` attaches the output masks itself (Masking, models): `compute_mask` is not asked.
    _compute_output_and_mask_jointly = False
    # True where `call` takes host string arrays (engine/string_inputs.py): the string preprocessing
    # layers, and models, which hand them on to their layers. Any other layer refuses them by name.
    _accepts_string_inputs = False
    # True where a functional call must take the output shapes from `compute_output_shape` instead of
    # placeholder runs: a layer whose output length depends on its data (TextVectorization's tokens).
    _output_shape_from_compute = False

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} "
                            f"(layer {type(self).__name__}).")
        object.__setattr__(self, "_tracked_layers", [])
        self._name = name or self._default_name()
        if not isinstance(self._name, str):
            raise TypeError(f"Layer name must be a string, received {self._name!r}.")
        self._trainable = bool(trainable)
        self._dtype = _dtype_name(dtype) if dtype is not None else floatx()
        self.dynamic = dynamic
        self.built = False
        self.input_spec = None
        # As tf.keras: a layer that overrides `compute_mask` supports masking unless it says otherwise.
        self.supports_masking = _call_info(type(self)).custom_compute_mask
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._regularized = []      # (variable, regularizer): penalties recomputed on each `losses` read
        self._call_losses = []      # add_loss() / activity penalties from the latest call
        self._callable_losses = []  # add_loss() of zero-argument callables, evaluated on each `losses` read
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._initial_weights = kwargs.get("weights")
        self._autocast = kwargs.get("autocast", True)
        self.activity_regularizer = _get_regularizer(kwargs.get("activity_regularizer"))
        owner = f'Layer "{self._name}" ({type(self).__name__})'
        if "batch_input_shape" in kwargs:
            self._batch_input_shape = check_shape_argument(owner, "batch_input_shape",
                                                           kwargs["batch_input_shape"])
        elif "input_shape" in kwargs or "input_dim" in kwargs:
            shape = kwargs.get("input_shape")
            argument = "input_shape"
            if shape is None:
                shape, argument = kwargs["input_dim"], "input_dim"
            shape = check_shape_argument(owner, argument, shape)
            batch_size = kwargs.get("batch_size")
            check_shape_argument(owner, "batch_size", batch_size)
            self._batch_input_shape = (batch_size,) + shape

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # kerasx's own layers and models are deserializable by class name from the moment they are
        # defined; a user's subclass needs `custom_objects` or `register_keras_serializable`, as in tf.keras.
        if cls.__module__.startswith("kerasx.") and not cls.__name__.startswith("_"):
            register_built_in("layer", cls)

    def _default_name(self):
        return unique_name(to_snake_case(type(self).__name__))

    # ------------------------------------------------------------ attributes
    def __setattr__(self, key, value):
        # Track nested layers (also in lists/tuples) so their weights count as ours, as Keras does.
        tracked = self.__dict__.get("_tracked_layers")
        if tracked is not None and not key.startswith("_"):
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(v, Layer) and v is not self and not any(v is t for t in tracked):
                    tracked.append(v)
        object.__setattr__(self, key, value)

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._tracked_layers:
            layer.trainable = value

    @property
    def _sublayers(self):
        return list(self._tracked_layers)

    # ------------------------------------------------------------ weights
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, **kwargs):
        """Creates a weight Variable named ``"<layer>/<name>:0"`` and tracks it."""
        shape = tuple(int(d) for d in (shape or ()))
        dtype = _dtype_name(dtype) if dtype is not None else self._dtype
        # tf names an unnamed weight "Variable"; a wrapper building its inner layer lends it its name
        # scope ("time_distributed/kernel:0"), as tf's name scopes do.
        name = "Variable" if name is None else name
        scope = "/".join(call_context.build_scopes) if call_context.build_scopes else self.name
        if initializer is None:
            initializer = "glorot_uniform" if is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        trainable = True if trainable is None else bool(trainable)
        value = init(shape, dtype=dtype)
        var = Variable(value, dtype=dtype, trainable=trainable, name=f"{scope}/{name}:0",
                       constraint=constraints.get(constraint))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        reg = _get_regularizer(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = list(self._trainable_weights)
        for layer in self._tracked_layers:
            out.extend(layer.trainable_weights)
        return _unique(out)

    @property
    def non_trainable_weights(self):
        if self.trainable:
            out = list(self._non_trainable_weights)
            for layer in self._tracked_layers:
                out.extend(layer.non_trainable_weights)
        else:
            out = list(self._trainable_weights) + list(self._non_trainable_weights)
            for layer in self._tracked_layers:
                out.extend(layer.weights)
        return _unique(out)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self):
        """The weights as a list of NumPy arrays, in `weights` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays; checks every shape before changing any."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {len(params)} weights.")
        arrays = [w.numpy() if isinstance(w, Tensor) else w for w in weights]
        for p, w in zip(params, arrays):
            shape = tuple(getattr(w, "shape", ()))
            if not p.accepts_shape(shape):
                raise ValueError(
                    f'Layer "{self.name}" weight shape {p.shape} is not compatible with provided weight '
                    f"shape {shape}.")
        for p, w in zip(params, arrays):
            p.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f'You tried to call `count_params` on layer "{self.name}", but the layer isn\'t built. '
                "You can build it manually via: `layer.build(batch_input_shape)`.")
        return int(sum(w.size for w in self.weights))

    # ------------------------------------------------------------ losses
    def add_loss(self, losses, **kwargs):
        """Adds loss tensors (inside `call`), zero-argument callables (evaluated on each `losses` read,
        e.g. a weight penalty) or, on a functional model, symbolic tensors of its graph (as tf.keras's
        `add_loss`). `losses` may be a (nested) list; None entries are skipped."""
        kwargs.pop("inputs", None)
        if kwargs:
            raise TypeError(f"Unknown keyword arguments: {kwargs.keys()}")
        callables, eager, symbolic = [], [], []
        for loss in flatten(losses):
            if callable(loss):
                callables.append(loss)
            elif isinstance(loss, KerasTensor):
                symbolic.append(loss)
            elif loss is not None:
                eager.append(loss if isinstance(loss, Tensor) else as_tensor(loss, dtype=floatx()))
        if eager and not call_context.in_call():
            raise ValueError("Expected a symbolic Tensors or a callable for the loss value. Please wrap your "
                             "loss computation in a zero argument `lambda`.")
        if symbolic:
            self._add_symbolic_losses(symbolic)
        self._callable_losses.extend(callables)
        self._call_losses.extend(eager)

    def _add_symbolic_losses(self, tensors):
        # Functional overrides it: only a graph network can compute a symbolic tensor of its graph.
        raise ValueError(
            f'Layer "{self.name}" ({type(self).__name__}) cannot add the symbolic tensor {tensors[0]!r} as a '
            "loss: only a functional model (`Model(inputs, outputs)`) takes losses on symbolic tensors of "
            "its graph. Add a loss computed in `call`, or a zero-argument callable.")

    @property
    def losses(self):
        """Weight penalties and `add_loss` callables (evaluated now, so they are differentiable inside
        a tape) plus the losses added during the latest call, of this layer and its sublayers."""
        out = [reg(var) for var, reg in self._regularized]
        for fn in self._callable_losses:
            value = fn()
            if value is not None:
                out.append(value if isinstance(value, Tensor) else as_tensor(value, dtype=floatx()))
        out.extend(self._call_losses)
        for layer in self._tracked_layers:
            out.extend(layer.losses)
        return out

    def get_losses_for(self, inputs):
        """Deprecated in tf.keras 2.x: the layer's `losses` (eagerly there is no per-input split)."""
        warnings.warn("`layer.get_losses_for` is deprecated and will be removed in a future version. Please "
                      "use `layer.losses` instead.", stacklevel=2)
        return self.losses

    # ------------------------------------------------------------ updates (Keras 2's graph-mode API)
    def add_update(self, updates):
        """Runs state updates now, as tf.keras 2.x does eagerly: a callable (or a list of them) is called,
        a finished update (an assigned Variable) is already applied."""
        for update in updates if isinstance(updates, (list, tuple)) else [updates]:
            if callable(update):
                update()

    @property
    def updates(self):
        """Always empty, as in tf.keras 2.x run eagerly: `add_update` applies updates at once."""
        warnings.warn("`layer.updates` will be removed in a future version. This property should not be used "
                      "in TensorFlow 2.0, as `updates` are applied automatically.", stacklevel=2)
        return []

    def get_updates_for(self, inputs):
        warnings.warn("`layer.get_updates_for` is deprecated and will be removed in a future version. Please "
                      "use `layer.updates` method instead.", stacklevel=2)
        return []

    # ------------------------------------------------------------ metrics of a call
    def add_metric(self, value, name=None, aggregation=None):
        """Tracks the mean of ``value`` over the calls as the metric ``name`` (shown by `model.metrics`,
        logged by `fit`/`evaluate`), as tf.keras's `add_metric` inside `call`."""
        if aggregation is not None and aggregation != "mean":
            raise ValueError("We currently support only `mean` sample-wise metric aggregation. You provided "
                             f"aggregation=`{aggregation}`")
        if isinstance(value, KerasTensor) or not call_context.in_call():
            raise ValueError(f"Expected a symbolic Tensor for the metric value, received: {value!r}. kerasx "
                             "runs eagerly: call `add_metric` inside a layer's `call`.")
        if name is None:
            raise ValueError("Please provide a name for your metric like `self.add_metric(tf.reduce_sum("
                             "inputs), name='mean_activation')`")
        metrics = self.__dict__.setdefault("_metrics", [])
        metric = next((m for m in metrics if m.name == name), None)
        if metric is None:
            metric = serialization("metric").deserialize({"class_name": "Mean", "config": {"name": name}})
            metrics.append(metric)
        if not call_context.in_placeholder_run():
            # The shape-inference run on placeholders creates the metric but must not count its zeros.
            metric.update_state(value)

    def _clear_call_losses(self):
        self._call_losses = []
        for layer in self._tracked_layers:
            layer._clear_call_losses()

    # ------------------------------------------------------------ building and calling
    def build(self, input_shape):
        """Creates the weights; subclasses override and call `add_weight`."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        call_context.build_scopes.append(self.name)
        try:
            self.build(input_shapes)
        finally:
            call_context.build_scopes.pop()
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def __call__(self, *args, **kwargs):
        if not args:
            if "inputs" not in kwargs:
                raise TypeError(f'Layer "{self.name}" was called without inputs.')
            args = (kwargs.pop("inputs"),)
        inputs = args[0]
        if any(isinstance(x, KerasTensor) for x in flatten(inputs)):
            return symbolic_call(self, inputs, args[1:], kwargs)
        info = _call_info(type(self))
        masking = self.supports_masking
        input_masks = None
        if masking or info.expects_mask:
            # Masks are read before the inputs are converted: an autocast makes a new, unmasked Tensor.
            if type(inputs) is Tensor and len(args) == 1 and "mask" not in kwargs:
                input_masks = inputs._keras_mask  # the common case, without a function call
                implicit = input_masks is not None
            else:
                input_masks, implicit = self._input_masks(inputs, args, kwargs, info)
            if implicit and info.expects_mask:
                kwargs["mask"] = input_masks
        inputs = self._convert_inputs(inputs)
        shapes = [t.shape for t in flatten(inputs)]
        assert_input_compatibility(self.input_spec, shapes, self)
        if not self.built:
            self._maybe_build(_shape_structure(inputs))
            assert_input_compatibility(self.input_spec, shapes, self)
        training = self._resolve_call_kwargs(kwargs, info.params)
        with call_context.enter(training):
            self._call_losses = []
            outputs = self.call(inputs, *args[1:], **kwargs)
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                batch = out.shape[0] if out.ndim else 1
                self._call_losses.append(ops.divide(self.activity_regularizer(out), float(batch)))
        # Without an input mask, the default compute_mask can only give None: skip it (the common case).
        if masking and (input_masks is not None or info.custom_compute_mask) \
                and not self._compute_output_and_mask_jointly:
            self._set_output_masks(inputs, outputs, input_masks)
        return outputs

    def _input_masks(self, inputs, args, kwargs, info):
        """(masks, implicit): an explicit `mask` argument wins; else the inputs' `_keras_mask`s, in the
        inputs' structure, or None when no input has one."""
        if "mask" in kwargs:
            return kwargs["mask"], False
        if info.mask_position is not None and len(args) > info.mask_position:
            return args[info.mask_position], False
        if isinstance(inputs, Tensor):
            mask = getattr(inputs, "_keras_mask", None)
            return mask, mask is not None
        flat = flatten(inputs)
        masks = [getattr(x, "_keras_mask", None) for x in flat]
        if all(m is None for m in masks):
            return None, False
        return pack_sequence_as(inputs, masks), True

    def _set_output_masks(self, inputs, outputs, input_masks):
        """Attaches `compute_mask(inputs, input_masks)` to the outputs as `_keras_mask`, unless the layer
        set its outputs' masks itself (every output has one)."""
        flat_outputs = flatten(outputs)
        if all(getattr(x, "_keras_mask", None) is not None for x in flat_outputs):
            return
        output_masks = self.compute_mask(inputs, input_masks)
        if output_masks is None:
            return
        for tensor, mask in zip(flat_outputs, flatten(output_masks)):
            if isinstance(tensor, Tensor):
                tensor._keras_mask = mask

    def _convert_inputs(self, inputs):
        def convert(x):
            if is_string_array(x):
                if self._accepts_string_inputs:
                    return x  # strings stay on the host
                raise refuse_strings(self, f"an array of dtype {x.dtype} and shape {x.shape}")
            t = x if isinstance(x, Tensor) else as_tensor(check_tensor_like(self, x))
            # Keras autocasting: floating inputs take the layer's floating dtype (float64 data -> float32);
            # a layer of an integer dtype (Discretization's int64 outputs) keeps them, as tf.keras's.
            if self._autocast and is_float_dtype(t.dtype) and t.dtype != self._dtype and is_float_dtype(self._dtype):
                t = ops.cast(t, dtype=self._dtype)
            return t
        return map_structure(convert, inputs)

    def _resolve_call_kwargs(self, kwargs, params=None):
        """Fits `kwargs` to this layer's `call` (in place) and returns the training flag the call runs
        under: the caller's, else the enclosing call's, else the learning phase, else the default of
        `call`'s `training` argument where it is a bool (tf.keras's order: a RandomFlip, whose default is
        True, augments when called on its own), else False. A `call` without a `training` argument is
        not passed it, but the flag still reaches the layers it calls, as in tf.keras (a subclassed model
        whose `call(self, x)` holds a Dropout trains it in `fit`)."""
        if params is None:
            params = _call_params(type(self))
        training = kwargs.pop("training", None)
        if training is None:
            training = call_context.explicit_training()
        if training is None:
            default = _call_info(type(self)).training_default
            training = default if isinstance(default, bool) else False
        if "training" in params:
            kwargs["training"] = training
        if "mask" not in params:
            kwargs.pop("mask", None)
        return training

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`, found by running the layer on a small placeholder
        batch (as tf.keras runs it in a scratch graph)."""
        return infer_output_shapes(self, input_shape)

    # A functional call whose placeholder runs failed falls back to `compute_output_shape` only where a
    # subclass overrides it: this one would run the same placeholders again.
    compute_output_shape.runs_placeholders = True

    def compute_mask(self, inputs, mask=None):
        """The output mask for `inputs` and the input `mask`: the input mask passed through when the layer
        supports masking; None otherwise (a mask there is an error, as tf.keras says)."""
        if not self.supports_masking:
            if any(m is not None for m in flatten(mask)):
                raise TypeError(f"Layer {self.name} does not support masking, but was passed an "
                                f"input_mask: {mask}")
            return None
        return mask

    # ------------------------------------------------------------ nodes
    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined '
                                 f"{what}.")
        values = [getattr(n, attr) for n in self._inbound_nodes]
        if any(v != values[0] for v in values):
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes with different '
                                 f"{what}s. Use get_{what.replace(' ', '_')}_at(node_index).")
        return values[0]

    @property
    def input(self):
        return self._node_attr("input_tensors", "input")

    @property
    def output(self):
        return self._node_attr("output_tensors", "output")

    @property
    def input_shape(self):
        return self._node_attr("input_shapes", "input shape")

    @property
    def output_shape(self):
        return self._node_attr("output_shapes", "output shape")

    # ------------------------------------------------------------ config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if hasattr(self, "_batch_input_shape"):
            config["batch_input_shape"] = self._batch_input_shape
        config["dtype"] = self._dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))} name={self.name!r}>"


register_built_in("layer", Layer)


# ---------------------------------------------------------------- helpers

class _CallInfo:
    """What the engine needs to know about a Layer class's `call` and `compute_mask`, read once."""
    __slots__ = ("params", "expects_mask", "mask_position", "custom_compute_mask", "training_default")

    def __init__(self, cls):
        sig = inspect.signature(cls.call)
        names = list(sig.parameters)
        self.params = set(names)
        training = sig.parameters.get("training")
        self.training_default = None if training is None else training.default
        if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            self.params |= {"training", "mask"}
        self.expects_mask = "mask" in self.params
        # Index in `__call__`'s positional args (`inputs` first, no `self`) where `mask` may be passed.
        self.mask_position = names.index("mask") - 1 if "mask" in names[2:] else None
        self.custom_compute_mask = cls.compute_mask is not Layer.compute_mask


_CALL_INFO = {}


def _call_info(cls):
    info = _CALL_INFO.get(cls)
    if info is None:
        info = _CALL_INFO[cls] = _CallInfo(cls)
    return info


def _call_params(cls):
    return _call_info(cls).params


def check_tensor_like(layer, x):
    """`x`, if a layer can take it as (part of) its inputs: an array (NumPy, a backend's, anything with
    `__array__`) or a number; lists and tuples are walked down to these by the caller. Anything else
    (None, a string, a layer, the builtin `input`) would become a 0-d object array whose rank error
    says nothing of the real mistake, so it is refused here, as tf.keras refuses it."""
    if isinstance(x, numbers.Number) or hasattr(x, "__array__") or (hasattr(x, "shape")
                                                                     and hasattr(x, "dtype")):
        return x
    raise TypeError(f'Inputs to a layer should be tensors. Layer "{layer.name}" ({type(layer).__name__}) '
                    "expects a Tensor or an array-like (a NumPy array, a number, a list of numbers); "
                    f"received {x!r} of type {type(x).__name__}.")


def _shape_structure(inputs):
    return map_structure(lambda t: None if t is None else t.shape, inputs)


def _unique(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _dtype_name(dtype):
    name = getattr(dtype, "name", dtype)
    if not isinstance(name, str):
        name = str(name)
    return name


def _get_regularizer(identifier):
    if identifier is None:
        return None
    return regularizers.get(identifier)
