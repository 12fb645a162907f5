"""How configs number the nodes of a model nested in a functional model, tf.keras 2.x's way.

tf.keras gives every Functional (and Sequential) model a node of its own when it is made (its inputs to
its outputs), so the first call of that model as a layer of another model is its node 1, and a tf.keras
config refers to it as ``["inner", 1, 0]``. kerasx makes no such node: that call is its node 0. Configs
are written with tf.keras's numbering (so tf.keras rebuilds a kerasx file instead of waiting forever
for a node 0 that never comes) and read with either: a nested model none of whose references is 0 is
numbered from 1 (tf.keras, Keras 3's legacy files, kerasx from this version on), one with a reference 0
from 0 (kerasx files written before). tf.keras never refers to a nested model's node 0 in a config: a
model built on another's own inputs takes that model's layers, not the model.
"""
MODEL_CLASSES = ("Functional", "Model", "Sequential")


def _nested_models(config):
    return {layer.get("name") for layer in config.get("layers", []) if layer.get("class_name") in MODEL_CLASSES}


def _is_ref(v):
    return (isinstance(v, list) and len(v) in (3, 4) and isinstance(v[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in v[1:3]))


def _refs(config):
    """Every ``[name, node, tensor(, kwargs)]`` list of a functional config, the keyword arguments'
    tensors included, as the lists themselves (so they can be changed in place)."""
    found = []

    def walk(v):
        if _is_ref(v):
            found.append(v)
            if len(v) == 4:
                walk(v[3])
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(config.get("input_layers", []))
    walk(config.get("output_layers", []))
    for layer in config.get("layers", []):
        walk(layer.get("inbound_nodes", []))
    return found


def to_tf_keras_numbering(config):
    """Shifts, in place, a kerasx-made functional config's references to nested models by +1."""
    nested = _nested_models(config)
    for ref in _refs(config):
        if ref[0] in nested:
            ref[1] += 1
    return config


def to_kerasx_numbering(config):
    """Shifts, in place, the references to each nested model numbered from 1 (none of them 0) by -1."""
    nested = _nested_models(config)
    refs = [ref for ref in _refs(config) if ref[0] in nested]
    from_one = {name for name in nested} - {ref[0] for ref in refs if ref[1] == 0}
    for ref in refs:
        if ref[0] in from_one:
            ref[1] -= 1
    return config
