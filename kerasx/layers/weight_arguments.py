"""The weight block the layers share: the three arguments each weight takes, stored in `__init__`,
the weight built from them in `build`, and their entries in `get_config`.

Keras names them after the weight: ``kernel_initializer`` / ``kernel_regularizer`` /
``kernel_constraint`` for ``kernel``, ``bias_*`` for ``bias``, and a ``*_kernel`` weight drops the
suffix (``recurrent_*`` for ``recurrent_kernel``, ``depthwise_*`` for ``depthwise_kernel``). Dense, the
convolutions (plain, transposed, separable, depthwise), the recurrent cells, ConvLSTM, Embedding, PReLU and
the normalization layers all go through here.
"""
from kerasx import activations, constraints, initializers, regularizers

# get_config entries by the suffix of their key: how each kind of argument serializes.
_SERIALIZERS = (("activation", activations.serialize), ("initializer", initializers.serialize),
                ("regularizer", regularizers.serialize), ("constraint", constraints.serialize))


def _stem(weight_name):
    return weight_name[:-len("_kernel")] if weight_name.endswith("_kernel") else weight_name


def store_weight_arguments(layer, stem, initializer, regularizer=None, constraint=None):
    """Resolves and stores ``layer.<stem>_initializer``, ``<stem>_regularizer`` and ``<stem>_constraint``
    (names, configs or objects, as the layer's constructor received them)."""
    setattr(layer, f"{stem}_initializer", initializers.get(initializer))
    setattr(layer, f"{stem}_regularizer", regularizers.get(regularizer))
    setattr(layer, f"{stem}_constraint", constraints.get(constraint))


def add_configured_weight(layer, name, shape, initializer=None):
    """``layer.add_weight(name, shape)`` with the initializer, regularizer and constraint the layer stored
    for that weight; `initializer` replaces the stored one where a layer derives its own from it (the
    recurrent cells' forget-gate bias)."""
    stem = _stem(name)
    if initializer is None:
        initializer = getattr(layer, f"{stem}_initializer")
    return layer.add_weight(name, shape=shape, initializer=initializer,
                            regularizer=getattr(layer, f"{stem}_regularizer"),
                            constraint=getattr(layer, f"{stem}_constraint"))


def add_bias(layer, shape, initializer=None):
    """The layer's ``bias`` weight of `shape` when it has ``use_bias``, else None (what `call` tests)."""
    return add_configured_weight(layer, "bias", shape, initializer) if layer.use_bias else None


def serialize_arguments(layer, keys):
    """``{key: serialized value}`` for `keys` read from `layer`: activations, initializers, regularizers
    and constraints by the suffix of their key, other values as they are."""
    config = {}
    for key in keys:
        value = getattr(layer, key)
        serialize = next((fn for suffix, fn in _SERIALIZERS if key.endswith(suffix)), None)
        config[key] = value if serialize is None else serialize(value)
    return config
