"""`Sequential`: a plain stack of single-input, single-output layers.

As in tf.keras 2.x it becomes a graph network as soon as its input shape is known (an `Input`, an
`input_shape=` on the first layer, `build(shape)`, or the first batch of data), so `summary()` can show
every output shape; until then layers are added without being built (deferred build).
"""
from kerasx.autodiff.nest import flatten
from kerasx.engine import call_context
from kerasx.engine.base_layer import Layer
from kerasx.engine.functional import Functional, _with_mask, conform_to_input_shape
from kerasx.engine.functional_config import sequential_config, sequential_from_config
from kerasx.engine.input_layer import Input, InputLayer
from kerasx.engine.input_spec import InputSpec
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.engine.naming import unique_name
from kerasx.engine.string_inputs import STRING, is_string_array


class Sequential(Functional):

    def __init__(self, layers=None, name=None):
        # autocast=False, as tf.keras's Sequential: its layers cast their inputs themselves.
        Layer.__init__(self, name=name, autocast=False)
        self._init_trainer()
        self._stack = []          # the user's layers, in order, without the InputLayer
        self._layer_names = set()  # theirs, for the uniqueness check on `add`
        self._input_layer = None
        self._implicit_input = False  # whether `_input_layer` was made from the first layer's input
        self._compute_output_and_mask_jointly = True  # each layer sets its outputs' masks
        self._forget_graph()
        for layer in layers or []:
            self.add(layer)

    def _default_name(self):
        return unique_name("sequential")

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Appends a layer (or an `Input` tensor, which sets the input shape). A layer that cannot take
        the current output (a shape mismatch) raises before the model changes."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer):
                raise TypeError("The added layer must be an instance of class Layer. Received: "
                                f"layer={layer!r} of type {type(layer)}.")
            layer = origin
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. Received: "
                            f"layer={layer!r} of type {type(layer)}.")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._input_layer = layer
            self._rebuild_graph()
            return
        if layer.name in self._layer_names:
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f'"{layer.name}" is already the name of a layer in this model. Update the '
                             "`name` argument to pass a unique name.")
        if self._is_graph_network:
            # Only the new layer is called and only its node joins the graph: adding stays O(1) however
            # long the stack (re-walking the whole graph on every add made building quadratic).
            output = _single_output(layer, layer(self.outputs[0]))
            self._push(layer)
            self._extend_graph(output)
            return
        self._push(layer)
        if self._input_layer is None and len(self._stack) == 1:
            self._input_layer = _implicit_input_layer(layer)
            self._implicit_input = self._input_layer is not None
        if self._input_layer is not None:
            try:
                self._rebuild_graph()
            except Exception:
                self._undo_push(layer)
                raise

    def _undo_push(self, layer):
        self._stack.pop()
        self._layer_names.discard(layer.name)
        object.__setattr__(self, "_tracked_layers", list(self._stack))
        if not self._stack and self._implicit_input:
            # The input came from this layer's `input_shape`: without the layer the model has none.
            self._input_layer, self._implicit_input = None, False
            self._forget_graph()

    def _forget_graph(self):
        self._is_graph_network = False
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self.built = False

    def _push(self, layer):
        self._stack.append(layer)
        self._layer_names.add(layer.name)
        self._tracked_layers.append(layer)

    def pop(self):
        """Removes the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack[-1]
        self._undo_push(layer)
        if self._input_layer is not None:
            self._rebuild_graph()

    def _rebuild_graph(self):
        x = self._input_layer._inbound_nodes[0].outputs
        inputs = x
        for layer in self._stack:
            x = _single_output(layer, layer(x))
        self._init_graph(inputs, x)
        # A Sequential lists its own layers (no InputLayer), in the order they were added.
        object.__setattr__(self, "_tracked_layers", list(self._stack))
        self.input_spec = [InputSpec(shape=inputs.shape)]
        self.built = bool(self._stack)

    def _extend_graph(self, output):
        """The graph of `_init_graph`, one layer longer: the chain's new node and output."""
        self._nodes_in_order.append(output.node)
        self._nested_outputs = output
        self.outputs = [output]
        self.output_names = [output._keras_history[0].name]
        self.built = True

    def build(self, input_shape=None):
        """Creates the graph for `input_shape` (batch dimension included, e.g. ``(None, 784)``)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument.")
            input_shape = self._input_layer._batch_input_shape
        if self._input_layer is None:
            self._input_layer = Input(batch_shape=tuple(input_shape), name=f"{self._stack[0].name}_input",
                                      dtype=getattr(self, "_deferred_input_dtype", None))._keras_history[0]
        self._rebuild_graph()

    def _maybe_build(self, input_shapes):
        if self.built or not self._stack:
            if not self._stack:
                raise ValueError("The Sequential model has no layers: add layers before calling it.")
            return
        shape = input_shapes[0] if isinstance(input_shapes, list) else input_shapes
        # As tf.keras: the first batch's shape, with the batch dimension left open.
        self.build((None,) + tuple(shape[1:]))

    def call(self, inputs, training=None, mask=None):
        # Chaining the layers directly is the graph's own order, without the graph walk; masks travel
        # on the tensors from layer to layer.
        x = _with_mask(inputs, mask)
        with call_context.enter(training):
            for layer in self._stack:
                x = layer(x, training=training) if training is not None else layer(x)
        return x

    def _convert_inputs(self, inputs):
        if getattr(self, "_is_graph_network", False) and len(self.inputs) == 1:
            inputs = conform_to_input_shape(self.inputs[0].shape, inputs)  # as Functional, before input_spec
        if not self.built and is_string_array(inputs):
            # As tf.keras: a Sequential built from its first batch takes that batch's dtype for its input.
            self._deferred_input_dtype = STRING
        return Layer._convert_inputs(self, inputs) if self._stack else inputs

    # ------------------------------------------------------------ losses and metrics of the graph
    def _refuse_symbolic(self, tensor, method):
        # A Sequential runs its stack, not its graph, and rebuilds the graph on `add`/`pop`: a branch
        # hanging off it would neither run nor survive (tf.keras's own Sequential would save an AddLoss
        # layer as one more layer of the stack).
        raise ValueError(
            f'Sequential model "{self.name}" cannot {method} the symbolic tensor {tensor!r}: symbolic losses '
            "and metrics belong to a functional model, `Model(inputs, outputs)`. Add a loss computed in a "
            "layer's `call`, or a zero-argument callable.")

    def _add_symbolic_losses(self, tensors):
        self._refuse_symbolic(tensors[0], "add_loss")

    def add_metric(self, value, name=None, aggregation=None):
        if isinstance(value, KerasTensor) and not call_context.in_call():
            self._refuse_symbolic(value, "add_metric")
        return Layer.add_metric(self, value, name=name, aggregation=aggregation)

    def get_config(self):
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return sequential_from_config(cls, config, custom_objects)


def _implicit_input_layer(layer):
    """The InputLayer put before a first layer that knows its input: one given `input_shape=`, or a model
    with one input (a nested Sequential or functional model, as tf.keras's `get_input_shape_and_dtype`).
    Named after that layer, as tf.keras does ("dense_input"). None when the input is not known yet."""
    if getattr(layer, "_batch_input_shape", None) is not None:
        shape, dtype = layer._batch_input_shape, layer.dtype
    elif getattr(layer, "_is_graph_network", False) and len(layer.inputs) == 1:
        shape, dtype = layer.inputs[0].shape, layer.inputs[0].dtype
    else:
        return None
    return InputLayer(batch_input_shape=shape, dtype=dtype, name=f"{layer.name}_input")


def _single_output(layer, out):
    if len(flatten(out)) != 1:
        raise ValueError("All layers in a Sequential model should have a single output tensor. For "
                         "multi-output layers, use the functional API.")
    return flatten(out)[0]
