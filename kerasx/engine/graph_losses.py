"""Losses and metrics of symbolic tensors added to a functional model (tf.keras 2.x's
`model.add_loss(symbolic_tensor)` / `model.add_metric(symbolic_tensor, name=...)`).

As in tf.keras, the tensor's subgraph joins the model's graph behind an `AddLoss` or `AddMetric` layer
that is not an output: every call of the model recomputes the value from its inputs, the layers appear in
`model.layers` and the model's config, and a model rebuilt from that config (`load_model`,
`model_from_json`, `clone_model`) gets them back as its ancillary layers."""
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_layer import InputLayer
from kerasx.engine.keras_tensor import KerasTensor


class AddLoss(Layer):
    """Adds its input to the losses of the latest call and returns it (tf.keras's `AddLoss`)."""

    def __init__(self, unconditional, **kwargs):
        kwargs["autocast"] = False  # as tf.keras: no reason to cast a loss
        super().__init__(**kwargs)
        self.unconditional = unconditional

    def call(self, inputs):
        self.add_loss(inputs, inputs=not self.unconditional)
        return inputs

    def get_config(self):
        config = super().get_config()
        config["unconditional"] = self.unconditional
        return config


class AddMetric(Layer):
    """Tracks the mean of its input as the metric `metric_name` and returns it (tf.keras's `AddMetric`)."""

    def __init__(self, aggregation=None, metric_name=None, **kwargs):
        super().__init__(**kwargs)
        self.aggregation = aggregation
        self.metric_name = metric_name

    def call(self, inputs):
        self.add_metric(inputs, aggregation=self.aggregation, name=self.metric_name)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"aggregation": self.aggregation, "metric_name": self.metric_name})
        return config


def producer_node(model, tensor, method):
    """The node that made `tensor`; raises where no layer did."""
    if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
        raise ValueError(f'{method} of model "{model.name}" expects a symbolic tensor made by a layer of its '
                         f"graph; received {tensor!r}, which no layer made.")
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def new_nodes(model, nodes, method, tensor=None):
    """The nodes that `nodes` need beyond those of `model`'s graph (`nodes` included), parents first.
    Raises where they need an input that is not one of the model's."""
    known = {id(n) for n in model._nodes_in_order}
    own_inputs = {id(t) for t in model.inputs}
    order, seen = [], set()

    def visit(node):
        if id(node) in known or id(node) in seen:
            return
        seen.add(id(node))
        if node.is_input:
            given = node.outputs[0] if isinstance(node.outputs, list) else node.outputs
            if id(given) not in own_inputs or not isinstance(node.layer, InputLayer):
                what = f"the symbolic tensor {tensor!r}" if tensor is not None else "the layers"
                raise ValueError(
                    f'Graph disconnected: {method} of model "{model.name}" received {what}, which '
                    f'depends on input "{node.layer.name}", not an input of this model (its inputs: '
                    f"{[t._keras_history[0].name for t in model.inputs]}).")
            return
        for parent in node.parent_nodes:
            visit(parent)
        order.append(node)

    for node in nodes:
        visit(node)
    return order


def insert_nodes(model, nodes):
    """Appends `nodes` (parents first, from `new_nodes`) to `model`'s graph and their layers to its
    layers, as tf.keras's `Functional._insert_layers`."""
    names = {layer.name for layer in model._tracked_layers}
    tracked = {id(layer) for layer in model._tracked_layers}
    added = []
    for node in nodes:
        if id(node.layer) not in tracked and node.layer.name in names:
            raise ValueError(f'The name "{node.layer.name}" is used 2 times in the model. All layer names '
                             "should be unique.")
        if id(node.layer) not in tracked:
            tracked.add(id(node.layer))
            names.add(node.layer.name)
            added.append(node.layer)
    model._nodes_in_order.extend(nodes)
    model._tracked_layers.extend(added)


def add_to_graph(model, tensor, needed, layer):
    """Calls `layer` (AddLoss or AddMetric) on `tensor` and joins it and the nodes `tensor` `needed`
    (from `new_nodes`) to `model`'s graph."""
    layer(tensor)
    insert_nodes(model, needed + [layer._inbound_nodes[-1]])


def connect_ancillary_layers(model, layers):
    """Joins to `model`'s graph the nodes of `layers` that its outputs do not need (a rebuilt model's
    AddLoss/AddMetric branches), as tf.keras's `connect_ancillary_layers`."""
    tracked = {id(layer) for layer in model._tracked_layers}
    extra = [layer for layer in layers if id(layer) not in tracked]
    nodes = [node for layer in extra for node in layer._inbound_nodes if not node.is_input]
    if nodes:
        insert_nodes(model, new_nodes(model, nodes, "Rebuilding the model"))

