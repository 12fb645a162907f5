"""`keras.utils.model_to_dot` / `plot_model` (tf_keras 2.21's `utils/vis_utils.py`): a model's layers as
Graphviz record nodes, its layer calls as edges, nested models as dashed clusters.

pydot (the `plot` extra: ``pip install 'kerasx[plot]'``) builds the graph and Graphviz's `dot` program
(Debian: ``apt-get install graphviz``) draws it. pydot is imported when a graph is first made, not at
``import kerasx``: it is optional, and a missing one is reported by the call that needs it.

The engine is read by duck typing (`_is_graph_network`, `_nodes_in_order`, a node's `keras_inputs`), as
`engine/summary.py` does: `utils` sits below the engine's models and never imports them.
"""
import importlib
import os
import re

from kerasx.saving.object_registration import built_in_objects

_PYDOT_MISSING = ("You must install pydot (`pip install pydot`, or kerasx's `plot` extra: "
                  "`pip install 'kerasx[plot]'`) for {what} to work.")
_GRAPHVIZ_MISSING = ("You must install pydot (`pip install pydot`) and install graphviz (see instructions at "
                     "https://graphviz.gitlab.io/download/; Debian/Ubuntu: `apt-get install graphviz`) for "
                     "plot_model to work. {why}")


def _pydot():
    """The pydot module, or None where it is not installed."""
    try:
        return importlib.import_module("pydot")
    except ImportError:
        return None


def check_pydot():
    """True if pydot is available."""
    return _pydot() is not None


def _graphviz_problem():
    """None if pydot can run Graphviz's `dot`, else what went wrong."""
    pydot = _pydot()
    if pydot is None:
        return "pydot is not installed."
    try:
        pydot.Dot.create(pydot.Dot())  # draws a blank graph: runs `dot` once
    except (OSError, FileNotFoundError, AssertionError, getattr(pydot, "InvocationException", OSError)) as e:
        return f"Running Graphviz's `dot` program failed ({type(e).__name__}: {e}); is it on the PATH?"
    return None


def check_graphviz():
    """True if both pydot and Graphviz's `dot` are available."""
    return _graphviz_problem() is None


def _is_functional(layer):
    return bool(getattr(layer, "_is_graph_network", False))


def _is_wrapper(layer):
    wrapper = built_in_objects("layer").get("Wrapper")
    return wrapper is not None and isinstance(layer, wrapper)


def _is_wrapped_model(layer):
    return _is_wrapper(layer) and _is_functional(layer.layer)


def _graph_layers(model):
    """The layers drawn, in `model.layers` order, with a Sequential's InputLayer first (tf.keras draws
    the Functional graph a Sequential is, whose layers include it)."""
    layers = list(model.layers)
    input_layer = getattr(model, "_input_layer", None)
    if input_layer is not None and all(layer is not input_layer for layer in layers):
        layers.insert(0, input_layer)
    return layers


def _layer_range_bounds(layers, layer_range):
    """``[first, last + 1]`` indices into `layers` of the first layer whose name matches
    `layer_range[0]` and the last matching `layer_range[1]` (regular expressions, as tf.keras)."""
    if len(layer_range) != 2:
        raise ValueError("layer_range must be of shape (2,). Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


def _format_shape(shape):
    return str(shape).replace(str(None), "None").replace("{", r"\{").replace("}", r"\}")


def _shape_labels(layer):
    nodes = layer._inbound_nodes
    if nodes and nodes[0].is_input:
        # An InputLayer: tf.keras shows its one shape as a list, for input and output alike.
        shape = _format_shape([nodes[0].outputs.shape])
        return shape, shape
    try:
        output = _format_shape(layer.output_shape)
    except AttributeError:
        output = "?"
    try:
        inputs = _format_shape(layer.input_shape)
    except AttributeError:
        inputs = "?"
    return inputs, output


def _activation_name(activation):
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _label(layer, layer_name, class_name, show_shapes, show_dtype, show_layer_names,
           show_layer_activations, show_trainable):
    label = class_name
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        label = "{%s|%s}" % (label, _activation_name(layer.activation))
    if show_layer_names:
        label = f"{layer_name}|{label}"
    if show_dtype:
        label = f"{label}|{'?' if layer.dtype is None else layer.dtype}"
    if show_shapes:
        label = "{%s}|{input:|output:}|{{%s}|{%s}}" % ((label,) + _shape_labels(layer))
    if show_trainable:
        label = f"{'T' if layer.trainable else 'NT'}|{label}"
    return label


def _add_edge(pydot, dot, src, dst):
    if not dot.get_edge(src, dst):
        dot.add_edge(pydot.Edge(src, dst))


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, layer_range=None, show_layer_activations=False,
                 show_trainable=False):
    """The model as a `pydot.Dot` graph (a `pydot.Cluster` when `subgraph=True`).

    Arguments as tf.keras's: `show_shapes`, `show_dtype`, `show_layer_names`, `rankdir` ('TB' vertical,
    'LR' horizontal), `expand_nested` (nested models as clusters of their layers), `dpi`, `layer_range`
    (two layer-name regular expressions, both ends included), `show_layer_activations`, `show_trainable`
    ('T' / 'NT'). Raises ValueError for a model that is not built, ImportError without pydot."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    pydot = _pydot()
    if pydot is None:
        raise ImportError(_PYDOT_MISSING.format(what="model_to_dot"))
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")

    if not _is_functional(model):
        # A subclassed model: its graph is not known, it is one node.
        dot.add_node(pydot.Node(str(id(model)), label=model.name))
        return dot
    layers = _graph_layers(model)
    # tf.keras finds the bounds in `model.layers` but indexes the drawn list, which for a Sequential
    # also holds the InputLayer, so it draws the range one layer early; kerasx indexes the drawn list.
    bounds = _layer_range_bounds(layers, layer_range) if layer_range is not None else None
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    first_node, last_node = {}, {}  # a nested (or wrapped) model's name -> its first / last pydot node

    def add_cluster(submodel):
        cluster = model_to_dot(submodel, rankdir=rankdir, expand_nested=expand_nested, subgraph=True, **options)
        nodes = cluster.get_nodes()
        first_node[submodel.name], last_node[submodel.name] = nodes[0], nodes[-1]
        dot.add_subgraph(cluster)

    for i, layer in enumerate(layers):
        if bounds and (i < bounds[0] or i >= bounds[1]):
            continue
        layer_name, class_name = layer.name, type(layer).__name__
        if _is_wrapper(layer):
            if expand_nested and _is_functional(layer.layer):
                add_cluster(layer.layer)
            else:
                layer_name = f"{layer_name}({layer.layer.name})"
                class_name = f"{class_name}({type(layer.layer).__name__})"
        if expand_nested and _is_functional(layer):
            add_cluster(layer)
        else:
            dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, layer_name, class_name, **options)))

    model_nodes = {id(node) for node in getattr(model, "_nodes_in_order", [])}
    for i, layer in enumerate(layers):
        if bounds and (i <= bounds[0] or i >= bounds[1]):
            continue
        layer_id = str(id(layer))
        for node in layer._inbound_nodes:
            if id(node) not in model_nodes:
                continue  # a call of the layer in another model
            for tensor in node.keras_inputs:
                inbound = tensor._keras_history[0]
                _connect(pydot, dot, inbound, layer, layer_id, expand_nested, first_node, last_node)
    return dot


def _connect(pydot, dot, inbound, layer, layer_id, expand_nested, first_node, last_node):
    """The edge from `inbound` to `layer`; with `expand_nested`, edges into and out of a nested model
    go to its cluster's first and from its last node (tf.keras's cases)."""
    inbound_id = str(id(inbound))
    if not expand_nested:
        _add_edge(pydot, dot, inbound_id, layer_id)
    elif not _is_functional(inbound) and not _is_wrapped_model(inbound):
        if _is_functional(layer):
            _add_edge(pydot, dot, inbound_id, first_node[layer.name].get_name())
        elif _is_wrapped_model(layer):
            _add_edge(pydot, dot, inbound_id, layer_id)
            _add_edge(pydot, dot, layer_id, first_node[layer.layer.name].get_name())
        else:
            _add_edge(pydot, dot, inbound_id, layer_id)
    elif _is_functional(inbound):
        source = last_node[inbound.name].get_name()
        target = first_node[layer.name].get_name() if _is_functional(layer) else layer_id
        _add_edge(pydot, dot, source, target)
    else:  # a wrapped model
        _add_edge(pydot, dot, last_node[inbound.layer.name].get_name(), layer_id)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96, layer_range=None, show_layer_activations=False,
               show_trainable=False):
    """Draws `model_to_dot(model, ...)` into `to_file`, in the format its extension names (png without
    one; 'pdf', 'svg', 'dot', ... as Graphviz writes them). Returns an `IPython.display.Image` of it where
    IPython is installed (for notebooks), else None. Raises ImportError naming what to install when
    pydot or Graphviz is missing, ValueError for a model that is not built."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    problem = _graphviz_problem()
    if problem is not None:
        raise ImportError(_GRAPHVIZ_MISSING.format(why=problem))
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi, layer_range=layer_range,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension == "pdf":
        return None
    try:
        display = importlib.import_module("IPython.display")
    except ImportError:
        return None
    return display.Image(filename=to_file)
