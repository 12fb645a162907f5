"""`keras.models`: the model classes, saving and loading, and `clone_model`."""
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.engine.functional import Functional
from kerasx.engine.graph_losses import connect_ancillary_layers
from kerasx.engine.input_layer import InputLayer
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.engine.model import Model
from kerasx.engine.sequential import Sequential
from kerasx.saving import (load_model, model_from_config, model_from_json, model_from_yaml,
                           save_model)

__all__ = ["Model", "Sequential", "load_model", "save_model", "model_from_config", "model_from_json",
           "model_from_yaml", "clone_model"]


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture as `model` and new (freshly initialised) weights.

    `clone_function(layer)` makes each new layer (default: ``cls.from_config(layer.get_config())``,
    which keeps the layer names); `input_tensors` (`Input` tensors) replace the model's inputs."""
    if not isinstance(model, Model):
        raise ValueError(f"Expected `model` argument to be a `Model` instance. Received: model={model}")
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if not getattr(model, "_is_graph_network", False):
        raise ValueError("Expected `model` argument to be a functional `Model` instance, but got a "
                         f"subclassed model instead: {model}")
    return _clone_functional(model, input_tensors, clone_function)


def _input_origin(tensor):
    if not isinstance(tensor, KerasTensor) or not isinstance(tensor._keras_history[0], InputLayer):
        raise ValueError("`input_tensors` must be tensors made by `kerasx.Input`. Received: "
                         f"{tensor!r}")
    return tensor._keras_history[0]


def _clone_sequential(model, input_tensors, clone_function):
    layers = [clone_function(layer) for layer in model._stack]
    if input_tensors is not None:
        inputs = flatten(input_tensors)
        if len(inputs) != 1:
            raise ValueError("To clone a `Sequential` model, we expect at most one tensor as part of "
                             f"`input_tensors`. Received: input_tensors={input_tensors}")
        return Sequential([_input_origin(inputs[0])] + layers, name=model.name)
    if model._input_layer is not None:
        layers = [_clone_layer(model._input_layer)] + layers
    return Sequential(layers, name=model.name)


def _clone_functional(model, input_tensors, clone_function):
    new = {}  # id(original KerasTensor) -> its counterpart in the clone
    given = flatten(input_tensors) if input_tensors is not None else None
    if given is not None and len(given) != len(model.inputs):
        raise ValueError(f"Model {model.name} has {len(model.inputs)} input(s); `input_tensors` has "
                         f"{len(given)}.")
    for i, t in enumerate(model.inputs):
        if given is not None:
            _input_origin(given[i])
            new[id(t)] = given[i]
        else:
            new[id(t)] = _clone_layer(t._keras_history[0])._inbound_nodes[0].outputs
    clones = {}
    for node in model._nodes_in_order:
        if node.is_input:
            continue
        key = id(node.layer)
        if key not in clones:  # a shared layer is cloned once and shared in the clone too
            clones[key] = clone_function(node.layer)

        def swap(t):
            return new[id(t)] if isinstance(t, KerasTensor) else t
        out = clones[key](*map_structure(swap, node.call_args), **map_structure(swap, node.call_kwargs))
        for old, fresh in zip(flatten(node.outputs), flatten(out)):
            new[id(old)] = fresh
    clone = Functional(inputs=map_structure(lambda t: new[id(t)], model._nested_inputs),
                       outputs=map_structure(lambda t: new[id(t)], model._nested_outputs),
                       name=model.name)
    # The clones of layers the outputs do not need (AddLoss/AddMetric branches) join its graph too.
    connect_ancillary_layers(clone, [clones[id(layer)] for layer in model._tracked_layers
                                     if id(layer) in clones])
    return clone
