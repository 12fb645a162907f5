"""A functional model whose inputs are intermediate symbolic tensors, as tf.keras's
`functional_utils.clone_graph_nodes`: ``Model(inputs=hidden, outputs=out)`` gets a new `Input` for each
intermediate input, and the layer calls between them and the outputs are recorded again as new nodes of the
same layers (so the weights are shared with the graph they came from), leaving that graph as it was.

The tf.keras FeatureSpace tutorial trains such a model on preprocessed data
(``Model(feature_space.get_encoded_features(), predictions)``) and serves the same layers from the raw
inputs."""
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.engine.input_layer import InputLayer
from kerasx.engine.keras_tensor import KerasTensor, Node


def is_input_keras_tensor(tensor):
    """Whether `tensor` is a symbolic tensor made by `Input` itself."""
    return tensor.node.is_input


def needs_cloning(inputs):
    """Whether `inputs` are all symbolic tensors of a graph and some are not `Input`s (anything else is
    left for the model's own input checks to refuse)."""
    flat = flatten(inputs)
    symbolic = all(isinstance(t, KerasTensor) and t._keras_history is not None for t in flat)
    return symbolic and not all(is_input_keras_tensor(t) for t in flat)


def _nodes_between(inputs, outputs):
    """The nodes that compute `outputs` from `inputs`, each after the nodes it takes tensors from; an
    `Input` the outputs need but `inputs` lacks, or an input the outputs do not need, is an error."""
    end_ids = {id(t) for t in flatten(inputs)}
    found, order, state = set(), [], {}
    stack = [(t.node, False) for t in reversed(flatten(outputs))]
    while stack:  # iterative depth-first walk: parents first, each node once
        node, expanded = stack.pop()
        if expanded:
            if state.get(id(node)) != "done":
                state[id(node)] = "done"
                order.append(node)
            continue
        if id(node) in state:
            continue
        state[id(node)] = "visiting"
        stack.append((node, True))
        for t in reversed(node.keras_inputs):
            if id(t) in end_ids:
                found.add(id(t))
                continue
            if t.node.is_input:
                raise ValueError(f"Found input tensor cannot be reached given provided output tensors. Please "
                                 f"make sure the tensor {t!r} is included in the model inputs when building "
                                 "functional model.")
            stack.append((t.node, False))
    missing = [t for t in flatten(inputs) if id(t) not in found and id(t) not in
               {id(o) for o in flatten(outputs)}]
    if missing:
        raise ValueError(f"Found unvisited input tensors that are disconnected from the outputs: {missing}")
    return order


def _copy(tensor):
    copy = KerasTensor(tensor.shape, tensor.dtype, name=tensor.name)
    copy._keras_mask = tensor._keras_mask
    return copy


def clone_graph_nodes(inputs, outputs):
    """New inputs and outputs (same structures) for a model from `inputs` (some intermediate) to
    `outputs`: a new `Input` of the same shape and dtype stands for each intermediate input, and each
    layer call between is recorded again on copies of its symbolic tensors."""
    mapping = {}
    nodes = _nodes_between(inputs, outputs)
    new_inputs = []
    for t in flatten(inputs):
        if not is_input_keras_tensor(t):
            layer = InputLayer(batch_input_shape=t.shape, dtype=t.dtype)
            mapping[id(t)] = layer._inbound_nodes[0].outputs
        new_inputs.append(mapping.get(id(t), t))

    def cloned(structure):
        def one(t):
            if not isinstance(t, KerasTensor):
                return t
            if id(t) not in mapping:
                mapping[id(t)] = t if is_input_keras_tensor(t) else _copy(t)
            return mapping[id(t)]
        return map_structure(one, structure)

    for node in nodes:  # parents first, so every input copy already belongs to its new node
        Node(node.layer, cloned(node.call_args), cloned(node.call_kwargs), cloned(node.outputs))
    new_outputs = [mapping[id(t)] if id(t) in mapping else t for t in flatten(outputs)]
    return pack_sequence_as(inputs, new_inputs), pack_sequence_as(outputs, new_outputs)
