"""`Functional`: a model defined as a graph of layer calls on symbolic tensors
(``Model(inputs=Input(...), outputs=...)``)."""
import collections

from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.engine import call_context
from kerasx.engine.base_layer import Layer, check_tensor_like
from kerasx.engine.functional_config import functional_config, functional_from_config
from kerasx.engine.functional_subgraph import clone_graph_nodes, needs_cloning
from kerasx.engine.graph_losses import AddLoss, AddMetric, add_to_graph, new_nodes, producer_node
from kerasx.engine.input_layer import InputLayer
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.engine.model import Model
from kerasx.engine.string_inputs import is_string_array


class Functional(Model):

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_trainer()
        if needs_cloning(inputs):  # intermediate tensors as inputs: a new graph of the same layers
            inputs, outputs = clone_graph_nodes(inputs, outputs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, dict):
            self._input_keys = sorted(inputs)
        else:
            self._input_keys = None
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        for t in self.inputs:
            if not isinstance(t, KerasTensor) or not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    "Input tensors to a Functional model must come from `kerasx.Input` (or "
                    f"`kerasx.layers.Input`). Received: {t!r} (missing previous layer metadata).")
        for t in self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"Output tensors of a Functional model must be the output of a Keras layer. "
                    f"Received: {t!r}")
        self._nodes_in_order = self._topological_nodes()
        reached = {id(n.layer._inbound_nodes[0].outputs) for n in self._nodes_in_order if n.is_input}
        for t in self.inputs:
            if id(t) not in reached:
                raise ValueError(f"Input {t!r} is not connected to the outputs of this model.")
        layers = self._layers_by_depth()
        object.__setattr__(self, "_tracked_layers", layers)
        name_counts = collections.Counter(l.name for l in layers)
        dup = sorted(n for n, count in name_counts.items() if count > 1)
        if dup:
            raise ValueError(f'The name "{dup[0]}" is used {name_counts[dup[0]]} times in the model. All '
                             "layer names should be unique.")
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]
        self._is_graph_network = True
        # The graph's own layers set the output masks while it runs (as tf.keras's Functional).
        self._compute_output_and_mask_jointly = True
        # As tf.keras: a graph network does not autocast its inputs, its layers cast them (a float64
        # model would otherwise round its float64 inputs through float32).
        self._autocast = False
        self.built = True

    def _topological_nodes(self):
        """Nodes reachable backwards from the outputs, each after all of its parents. The depth-first
        walk keeps its own stack: a recursive one stops at Python's recursion limit, about 1000 layers
        deep (ResNetRS270 has 1471 in a chain)."""
        order, state = [], {}
        for t in self.outputs:
            stack = [(t.node, None)]
            while stack:
                node, parents = stack.pop()
                key = id(node)
                if parents is None:  # first arrival at this node
                    if state.get(key) == "done":
                        continue
                    if state.get(key) == "visiting":
                        raise ValueError("The functional graph has a cycle.")
                    state[key] = "visiting"
                    parents = iter(node.parent_nodes)
                parent = next(parents, None)
                if parent is None:
                    state[key] = "done"
                    order.append(node)
                else:
                    stack.append((node, parents))
                    stack.append((parent, None))
        return order

    def _layers_by_depth(self):
        """Layers ordered as tf.keras orders `model.layers`: by decreasing depth (inputs first), ties
        broken by the order a depth-first walk from the outputs first meets them."""
        discovery, visited = {}, set()
        for t in self.outputs:
            stack = [t.node]  # pre-order with the parents pushed last-first: the recursive walk's order
            while stack:
                node = stack.pop()
                if id(node) in visited:
                    continue
                visited.add(id(node))
                discovery.setdefault(id(node.layer), len(discovery))
                stack.extend(reversed(node.parent_nodes))
        depth = {}
        for node in reversed(self._nodes_in_order):
            depth.setdefault(id(node), 0)
            for parent in node.parent_nodes:
                depth[id(parent)] = max(depth.get(id(parent), 0), depth[id(node)] + 1)
        layer_depth, layer_of = {}, {}
        for node in self._nodes_in_order:
            key = id(node.layer)
            layer_of[key] = node.layer
            layer_depth[key] = max(layer_depth.get(key, 0), depth[id(node)])
        order = sorted(layer_of, key=lambda k: (-layer_depth[k], discovery[k]))
        return [layer_of[k] for k in order]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input(self):
        return self._nested_inputs

    @property
    def output(self):
        return self._nested_outputs

    @property
    def _nodes_by_depth(self):
        return self._nodes_in_order

    # ------------------------------------------------------------ running the graph
    def call(self, inputs, training=None, mask=None):
        values = {}
        feed = self._flatten_feed(inputs)
        masks = [None] * len(feed) if mask is None else self._flatten_feed(mask)
        for i, (kt, value, m) in enumerate(zip(self.inputs, feed, masks)):
            value = conform_to_input_shape(kt.shape, value)
            _check_input_shape(self, i, kt.shape, value)
            values[id(kt)] = _with_mask(value, m)
        with call_context.enter(training):
            for node in self._nodes_in_order:
                if node.is_input:
                    continue
                args = map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
                                     node.call_args)
                kwargs = map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
                                       node.call_kwargs)
                if training is not None and "training" not in node.call_kwargs:
                    kwargs["training"] = training
                out = node.layer(*args, **kwargs)
                for kt, v in zip(flatten(node.outputs), flatten(out)):
                    values[id(kt)] = v
        return map_structure(lambda t: values[id(t)], self._nested_outputs)

    def compute_mask(self, inputs, mask=None):
        """The output masks the graph computes for `inputs` (it runs the graph, as tf.keras does)."""
        outputs = self.call(inputs, mask=mask)
        return map_structure(lambda t: getattr(t, "_keras_mask", None), outputs)

    def _flatten_feed(self, inputs):
        n = len(self.inputs)
        if isinstance(inputs, dict):
            missing = [name for name in self.input_names if name not in inputs]
            if missing:
                raise ValueError(f"Missing data for input {missing[0]!r}. You passed a data dictionary "
                                 f"with keys {sorted(inputs)}. Expected the following keys: "
                                 f"{self.input_names}")
            return [inputs[name] for name in self.input_names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != n:
            raise ValueError(f'Layer "{self.name}" expects {n} input(s), but it received {len(flat)} '
                             "input tensors.")
        return flat

    def _convert_inputs(self, inputs):
        # Inputs are converted (and cast) by each layer of the graph; only make Tensors here.
        # String arrays stay on the host: the graph's string layers take them (engine/string_inputs.py).
        return map_structure(lambda x: x if isinstance(x, Tensor) or is_string_array(x) else
                             as_tensor(check_tensor_like(self, x)), inputs)

    # ------------------------------------------------------------ losses and metrics of the graph
    def _needed_nodes(self, tensor, method):
        return new_nodes(self, [producer_node(self, tensor, method)], method, tensor)

    def _add_symbolic_losses(self, tensors):
        """tf.keras's `_graph_network_add_loss`: each tensor's subgraph joins the graph behind an
        `AddLoss` layer. Every tensor is checked before any joins."""
        needed = [self._needed_nodes(t, "add_loss") for t in tensors]
        for tensor, nodes in zip(tensors, needed):
            add_to_graph(self, tensor, nodes, AddLoss(unconditional=False, dtype=tensor.dtype))

    def add_metric(self, value, name=None, aggregation=None):
        """Inside a call, as `Layer.add_metric`; outside, a symbolic tensor of the graph becomes the
        metric `name` (the mean of its values over the batches) through an `AddMetric` layer, as in
        tf.keras, logged by `fit`/`evaluate` under `name` and `val_` + `name`."""
        if not isinstance(value, KerasTensor) or call_context.in_call():
            return super().add_metric(value, name=name, aggregation=aggregation)
        if name is None:
            raise ValueError("Please provide a name for your metric like `self.add_metric(tf.reduce_sum("
                             "inputs), name='mean_activation')`")
        if aggregation is not None and aggregation != "mean":
            raise ValueError("We currently support only `mean` sample-wise metric aggregation. You provided "
                             f"aggregation=`{aggregation}`")
        nodes = self._needed_nodes(value, "add_metric")
        add_to_graph(self, value, nodes, AddMetric("mean", name, dtype=value.dtype))

    # ------------------------------------------------------------ config
    def get_config(self):
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config, custom_objects)


def _with_mask(value, mask):
    """`value` carrying `mask` as its `_keras_mask` (replacing any it had), so the graph's first layers
    receive it as tf.keras's `Functional` gives it them."""
    if mask is None and getattr(value, "_keras_mask", None) is None:
        return value
    if not isinstance(value, Tensor):
        value = as_tensor(value)
    value._keras_mask = mask
    return value


def conform_to_input_shape(expected, value):
    """tf.keras's `_conform_to_reference_input`: (batch,) and (batch, 1) data pass interchangeably, the
    `Input`'s shape deciding (a rank-1 column fed to `Input(shape=(1,))` gains its last axis, a trailing
    axis of 1 the `Input` lacks is dropped)."""
    shape = getattr(value, "shape", None)
    if shape is None or not expected:
        return value
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        new_shape = tuple(shape) + (1,)
    elif len(shape) == len(expected) + 1 and shape[-1] == 1:
        new_shape = tuple(shape[:-1])
    else:
        return value
    # Host string arrays reshape on the host; everything else becomes a Tensor, as the graph's layers take.
    return value.reshape(new_shape) if is_string_array(value) else ops.reshape(as_tensor(value), new_shape)


def _check_input_shape(model, index, expected, value):
    shape = tuple(getattr(value, "shape", ()))
    if len(shape) != len(expected) or any(e is not None and e != s for e, s in zip(expected, shape)):
        raise ValueError(f'Input {index} of layer "{model.name}" is incompatible with the layer: expected '
                         f"shape={expected}, found shape={shape}")
