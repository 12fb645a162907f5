"""Keras-format configs of Functional and Sequential models, and rebuilding models from them.

The layout is tf.keras 2.x's (what `model.to_json()` and the HDF5 `model_config` attribute hold), so
configs move both ways between kerasx and tf.keras."""
import copy
import inspect

from kerasx.autodiff.nest import flatten, map_structure
from kerasx.engine.graph_losses import connect_ancillary_layers
from kerasx.engine.input_layer import InputLayer
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.engine.node_numbering import to_kerasx_numbering, to_tf_keras_numbering
from kerasx.saving.object_registration import serialization, serialize_keras_object


def _serialize(layer):
    return serialize_keras_object(layer)


def _deserialize(config, custom_objects):
    # `kerasx.layers.deserialize`, found in the registry: the layers package sits above the engine.
    return serialization("layer").deserialize(config, custom_objects=custom_objects)


def functional_config(model):
    node_ids = {}
    graph_nodes = {id(n) for n in model._nodes_in_order}
    for layer in model._tracked_layers:
        kept = [n for n in layer._inbound_nodes if id(n) in graph_nodes]
        for i, node in enumerate(kept):
            node_ids[id(node)] = i

    def ref(t):
        layer, node_index, tensor_index = t._keras_history
        return [layer.name, node_ids.get(id(layer._inbound_nodes[node_index]), 0), tensor_index]

    layers = []
    for layer in model._tracked_layers:
        entry = _serialize(layer)
        entry["name"] = layer.name
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in node_ids or node.is_input:
                continue
            inbound.append(_serialize_node(node, ref))
        entry["inbound_nodes"] = inbound
        layers.append(entry)
    return to_tf_keras_numbering({"name": model.name, "layers": layers,
                                  "input_layers": [ref(t) for t in model.inputs],
                                  "output_layers": [ref(t) for t in model.outputs]})


def _serialize_node(node, ref):
    """tf.keras's `Node.serialize`: one entry per tensor of the first argument, each carrying the other
    arguments as keywords (positional ones by their names in `call`), their tensors as
    ``[layer, node, tensor]`` references (`mha(query, value)` -> ``[["query", 0, 0, {"value": [...]}]]``)."""
    args = node.call_args
    names = [n for n in inspect.signature(node.layer.call).parameters][1:]
    kwargs = dict(zip(names, args[1:]))
    kwargs.update(node.call_kwargs)
    kwargs = map_structure(lambda v: ref(v) if isinstance(v, KerasTensor) else v, kwargs)
    first = args[0] if args else None
    return [ref(t) + [kwargs] for t in flatten(first) if isinstance(t, KerasTensor)]


def _is_reference(v):
    return (isinstance(v, (list, tuple)) and len(v) in (3, 4) and isinstance(v[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in v[1:3]))


def _tensor_arguments(kwargs, outputs_of):
    """The keywords with their tensor references resolved (tf.keras's `_deserialize_keras_tensors`), or
    None while a referenced tensor is not made yet."""
    missing = []

    def resolve(v):
        if _is_reference(v):
            key = (v[0], v[1])
            if key not in outputs_of:
                missing.append(key)
                return None
            return flatten(outputs_of[key])[v[2]]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(resolve(x) for x in v)
        return v

    out = {k: resolve(v) for k, v in kwargs.items()}
    return None if missing else out


def functional_from_config(cls, config, custom_objects=None):
    """Recreates layers, then replays their calls in dependency order."""
    config = to_kerasx_numbering(json_copy(config))
    created = {}
    pending = []
    for entry in config["layers"]:
        layer = _deserialize({"class_name": entry["class_name"], "config": entry["config"]}, custom_objects)
        created[entry["name"]] = layer
        for node_data in entry.get("inbound_nodes", []):
            pending.append((layer, node_data))
    outputs_of = {}  # (layer name, node index) -> output structure
    for name, layer in created.items():
        if isinstance(layer, InputLayer):
            outputs_of[(name, 0)] = layer._inbound_nodes[0].outputs
    while pending:
        progressed = False
        for item in list(pending):
            layer, node_data = item
            refs = [_node_ref(r) for r in node_data]
            if not all((r[0], r[1]) in outputs_of for r in refs):
                continue
            kwargs = _tensor_arguments(refs[0][3] if refs else {}, outputs_of)
            if kwargs is None:
                continue
            inputs = [flatten(outputs_of[(r[0], r[1])])[r[2]] for r in refs]
            out = layer(inputs[0] if len(inputs) == 1 else inputs, **kwargs)
            index = sum(1 for key in outputs_of if key[0] == layer.name)
            outputs_of[(layer.name, index)] = out
            pending.remove(item)
            progressed = True
        if not progressed:
            names = sorted({item[0].name for item in pending})
            raise ValueError(f"Cannot rebuild the model from its config: the inputs of layers {names} "
                             "never become available.")

    def tensors(refs):
        return [flatten(outputs_of[(r[0], r[1])])[r[2]] for r in refs]

    inputs = tensors(config["input_layers"])
    outputs = tensors(config["output_layers"])
    model = cls(inputs=inputs[0] if len(inputs) == 1 else inputs,
                outputs=outputs[0] if len(outputs) == 1 else outputs, name=config.get("name"))
    # Layers the outputs do not need (AddLoss/AddMetric branches) join the graph after it, as tf.keras's.
    connect_ancillary_layers(model, list(created.values()))
    return model


def json_copy(config):
    # Renumbered in place: the caller's dict stays as it was (its tuples become lists, as JSON has them).
    return copy.deepcopy(config)


def _node_ref(r):
    # tf.keras writes [name, node_index, tensor_index, kwargs]; older files omit kwargs.
    return (r[0], r[1], r[2], r[3] if len(r) > 3 else {})


def sequential_config(model):
    layers = []
    if model._input_layer is not None:
        layers.append(_serialize(model._input_layer))
    layers.extend(_serialize(l) for l in model._stack)
    return {"name": model.name, "layers": layers}


def sequential_from_config(cls, config, custom_objects=None):
    layer_configs = config["layers"] if isinstance(config, dict) else config
    name = config.get("name") if isinstance(config, dict) else None
    model = cls(name=name)
    for entry in layer_configs:
        model.add(_deserialize(entry, custom_objects))
    return model
