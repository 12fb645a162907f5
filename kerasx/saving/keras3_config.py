"""Configs between kerasx's layout (tf.keras 2.x's) and Keras 3's, for `.keras` archives and for the
legacy `.h5` files Keras 3 writes.

Keras 3 wraps every object as ``{"module", "class_name", "config", "registered_name"}`` (plus
`build_config`, `compile_config`, `shared_object_id`), writes dtypes as DTypePolicy dicts, an
InputLayer's shape as `batch_shape`, and a functional node as ``{"args": [...], "kwargs": {...}}`` of
``__keras_tensor__`` dicts, where tf.keras writes ``[[layer, node, tensor, kwargs], ...]``.

Arguments one side has and the other lacks are dropped only at the value that means "as if absent"
(Keras 3's `quantization_config=None`, tf.keras's `time_major=False`), so a file means the same thing
on both sides; any other value is an error naming the layer and the argument. All this is host-side
work on plain dicts.
"""
import copy
import inspect
import json

from kerasx.engine.node_numbering import to_kerasx_numbering
from kerasx.saving.object_registration import built_in_objects, get_registered_object, serialization

# Keras 3 arguments kerasx lacks (where the class does not name them), with their no-op values.
_KERAS3_ONLY_DEFAULTS = {
    "quantization_config": [None], "lora_rank": [None], "lora_alpha": [None], "optional": [False],
    "seed": [None], "synchronized": [False], "input_axes": [None], "output_axes": [None],
    "use_cudnn": ["auto"], "flash_attention": [None], "loss_scale_factor": [None],
    "gradient_accumulation_steps": [None], "weight_decay": [None], "use_ema": [False],
    "ema_momentum": [0.99], "ema_overwrite_frequency": [None], "clipnorm": [None], "clipvalue": [None],
    "global_clipnorm": [None], "renorm": [False], "renorm_clipping": [None], "renorm_momentum": [0.99],
    "trainable": [True], "dtype": [None, "float32"], "build_input_shape": None,
    "zero_output_for_mask": [False], "tied_weights": [False], "rms_scaling": [False],
}
# tf.keras 2.x arguments Keras 3 refuses, with the values under which leaving them out changes nothing
# (None: any value, e.g. an LSTM's `implementation`, which only picks how the same arithmetic is
# scheduled; a LocallyConnected layer's is its weights' layout, and stays).
_TF_KERAS_ONLY_DEFAULTS = {
    "time_major": [False], "decay": [0.0, 0], "jit_compile": None,
    "is_legacy_optimizer": None, "autocast": [True],
}
# The same, for some classes only (Conv2D takes `groups` in Keras 3; DepthwiseConv2D does not).
_TF_KERAS_ONLY_BY_CLASS = {
    "LSTM": {"implementation": None}, "GRU": {"implementation": None},
    "LSTMCell": {"implementation": None}, "GRUCell": {"implementation": None},
    "DepthwiseConv1D": {"groups": [1]}, "DepthwiseConv2D": {"groups": [1]},
    "SeparableConv1D": {"groups": [1]}, "SeparableConv2D": {"groups": [1]},
}
_REDUCTIONS_TO_KERAS3 = {"auto": "sum_over_batch_size", "sum_over_batch_size": "sum_over_batch_size",
                         "sum": "sum", "none": None}
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def keras3_wrap(class_name, config, module):
    """One object in Keras 3's envelope; a custom ``"package>Name"`` keeps its registered name."""
    if ">" in class_name:
        return {"module": None, "class_name": class_name.split(">", 1)[1], "config": config,
                "registered_name": class_name}
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def dtype_policy(dtype):
    """A dtype (a name, or a tf.keras Policy dict) as Keras 3's DTypePolicy dict."""
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _module_for(key, class_name):
    for suffix, module in (("initializer", "keras.initializers"), ("regularizer", "keras.regularizers"),
                           ("constraint", "keras.constraints")):
        if key.endswith(suffix):
            return module
    if class_name == "Sequential":
        return "keras"
    if class_name in ("Functional", "Model"):
        return "keras.src.models.functional"
    return "keras.layers"


def _drop_known(owner, config, table, side):
    """Leaves out the arguments of `table` that `config` has at a no-op value; raises on others."""
    out = {}
    for key, value in config.items():
        if key in table:
            allowed = table[key]
            if allowed is None or value in allowed:
                continue
            raise ValueError(f"{owner} has {key}={value!r}, which {side} does not accept: only "
                             f"{' or '.join(repr(a) for a in allowed)} can be left out without changing "
                             "the model.")
        out[key] = value
    return out


# ---------------------------------------------------------------- kerasx -> Keras 3
def keras3_arguments(owner, class_name, config, archive=False):
    """`config` without the tf.keras-only arguments Keras 3 refuses (where leaving them out changes
    nothing: tf.keras reads the result the same). In an archive (`archive`), a layer's
    `batch_input_shape` goes too: Keras 3 refuses it there and takes the shape from the model's
    InputLayer, which kerasx's model configs always have; its `.h5` reader turns it into `input_shape`
    itself, so `.h5` files keep it, and tf.keras's round trip of `get_config` with it."""
    table = dict(_TF_KERAS_ONLY_DEFAULTS, **_TF_KERAS_ONLY_BY_CLASS.get(class_name, {}))
    if archive and class_name not in ("InputLayer", "Sequential", "Functional", "Model"):
        table["batch_input_shape"] = None
    return _drop_known(owner, config, table, "Keras 3")


def legacy_h5_config(obj):
    """A kerasx layer or model config as kerasx writes it into `.h5` files: tf.keras's layout, which
    tf.keras and Keras 3 both read, given that Keras 3's arguments are kept to (`keras3_arguments`)
    and that a layer nested in another's config (a Bidirectional's) has its `module` key, without
    which Keras 3's `.h5` reader cannot find its class."""
    def walk(value, nested):
        if isinstance(value, list):
            return [walk(v, nested) for v in value]
        if not isinstance(value, dict):
            return value
        if "class_name" in value and isinstance(value.get("config"), dict):
            class_name = value["class_name"]
            config = keras3_arguments(f'Layer "{value["config"].get("name", "?")}" ({class_name})',
                                      class_name, value["config"])
            # A model's own layers are not nested: Keras 3 writes them without `module` too.
            out = dict(value, config={k: walk(v, k != "layers") for k, v in config.items()})
            is_layer = class_name in built_in_objects("layer") or hasattr(
                get_registered_object(class_name), "compute_output_shape")
            if nested and is_layer and "module" not in out:
                out.update(module="keras.layers", registered_name=None)
            return out
        return {k: walk(v, nested) for k, v in value.items()}
    return walk(obj, False)


def _nested_to_keras3(key, value):
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return object_to_keras3(value, _module_for(key, value["class_name"]))
    if isinstance(value, list):
        return [_nested_to_keras3(key, v) for v in value]
    return value


def object_to_keras3(obj, module="keras.layers", tensor_specs=None):
    """A kerasx ``{"class_name", "config"}`` dict (a layer, an initializer, ...) in Keras 3's layout."""
    class_name, config = obj["class_name"], dict(obj.get("config") or {})
    owner = f'Layer "{config.get("name", "?")}" ({class_name})'
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape", None)
        config.setdefault("sparse", False)
        config.setdefault("ragged", False)
        out = keras3_wrap(class_name, config, module)
    else:
        config = keras3_arguments(owner, class_name, config, archive=True)
        if class_name in ("Functional", "Model"):
            config = functional_to_keras3(config, tensor_specs or {})
            class_name = "Functional"
        elif class_name == "Sequential":
            config["layers"] = [object_to_keras3(layer, _module_for("", layer["class_name"]), tensor_specs)
                                for layer in config["layers"]]
        config = {k: v if k in ("layers",) else _nested_to_keras3(k, v) for k, v in config.items()}
        if "dtype" in config and module.startswith("keras.layers") or class_name == "Sequential":
            config["dtype"] = dtype_policy(config.get("dtype") or "float32")
        if isinstance(config.get("axis"), list) and len(config["axis"]) == 1 and "Normalization" in class_name:
            config["axis"] = config["axis"][0]  # Keras 3's BatchNormalization takes one int
        if "reduction" in config and module == "keras.losses":
            config["reduction"] = _REDUCTIONS_TO_KERAS3.get(config["reduction"], config["reduction"])
        out = keras3_wrap(class_name, config, module)
        if class_name == "Functional":
            out["registered_name"] = "Functional"
    for key in ("name", "inbound_nodes"):
        if key in obj:
            out[key] = obj[key]
    if "inbound_nodes" in obj:
        out["inbound_nodes"] = [_node_to_keras3(n, tensor_specs or {}) for n in obj["inbound_nodes"]]
    return out


def _keras_tensor(ref, tensor_specs):
    shape, dtype = tensor_specs.get(tuple(ref[:3]), (None, "float32"))
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": dtype, "keras_history": list(ref[:3])}}


def _is_ref(value, tensor_specs):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and tuple(value) in tensor_specs)


def _node_to_keras3(node, tensor_specs):
    """tf.keras's ``[[layer, node, tensor, kwargs], ...]`` as ``{"args": [...], "kwargs": {...}}``."""
    tensors = [_keras_tensor(entry, tensor_specs) for entry in node]
    kwargs = dict(node[0][3]) if node and len(node[0]) > 3 else {}

    def convert(v):
        if _is_ref(v, tensor_specs):
            return _keras_tensor(v, tensor_specs)
        if isinstance(v, list):
            return [convert(x) for x in v]
        return v
    return {"args": [tensors[0] if len(tensors) == 1 else tensors],
            "kwargs": {k: convert(v) for k, v in kwargs.items()}}


def _shift_functional_refs(config, delta):
    """Keras 3 numbers a nested Functional model's nodes from 1 in a model's `input_layers` and
    `output_layers` (its construction counts as node 0) and from 0 in the `__keras_tensor__` inbound
    nodes; tf.keras 2.x (whose `.keras` files keep its list-form nodes) numbers a nested Functional's or
    Sequential's nodes from 1 everywhere. kerasx numbers from 0 everywhere. Shifts, in place, the
    references of `config` (a functional config) to its nested models by `delta` as its writer did."""
    legacy = any(isinstance(node, list) for layer in config["layers"] for node in layer.get("inbound_nodes", []))
    kinds = ("Functional", "Model", "Sequential") if legacy else ("Functional", "Model")
    nested = {layer.get("name") for layer in config["layers"] if layer.get("class_name") in kinds}
    refs = [ref for key in ("input_layers", "output_layers") for ref in config.get(key) or []]
    if legacy:
        refs += [entry for layer in config["layers"] for node in layer.get("inbound_nodes", [])
                 for entry in node]
    for ref in refs:
        if ref and ref[0] in nested:
            ref[1] += delta


def functional_to_keras3(config, tensor_specs):
    # From tf.keras's numbering of nested models' nodes (what `get_config` writes) to kerasx's own,
    # which `_shift_functional_refs` takes to Keras 3's.
    config = to_kerasx_numbering(copy.deepcopy(config))
    config["layers"] = [object_to_keras3(layer, _module_for("", layer["class_name"]), tensor_specs)
                        for layer in config["layers"]]
    config["input_layers"] = [list(r) for r in config["input_layers"]]
    config["output_layers"] = [list(r) for r in config["output_layers"]]
    _shift_functional_refs(config, +1)
    config.setdefault("trainable", True)
    return config


def model_to_keras3(model_config, tensor_specs, compile_config=None):
    """What `config.json` holds for a model whose kerasx config is `model_config`."""
    module = _module_for("", model_config["class_name"])
    out = object_to_keras3(model_config, module, tensor_specs)
    out["build_config"] = {"input_shape": None}
    out["compile_config"] = compile_config
    return out


def training_to_keras3(training_config):
    """A kerasx `training_config` (tf.keras's) as Keras 3's `compile_config`."""
    def convert(kind, value):
        if isinstance(value, dict) and "class_name" in value:
            return object_to_keras3(value, f"keras.{kind}")
        if isinstance(value, dict):
            return {k: convert(kind, v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(kind, v) for v in value]
        return value
    return {"optimizer": convert("optimizers", training_config["optimizer_config"]),
            "loss": convert("losses", training_config.get("loss")),
            "loss_weights": training_config.get("loss_weights"),
            "metrics": convert("metrics", training_config.get("metrics")),
            "weighted_metrics": convert("metrics", training_config.get("weighted_metrics")),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


# ---------------------------------------------------------------- Keras 3 -> kerasx
def _accepted_arguments(cls):
    names = set()
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return names


def _plain(value):
    """A Keras 3 value as kerasx reads it: envelopes, DTypePolicies, tuples and arrays unwrapped."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    class_name = value.get("class_name")
    if class_name in _DTYPE_POLICIES:
        return value["config"]["name"]
    if class_name in ("__tuple__", "__numpy__"):
        return _plain(value["config"]["value"])
    if class_name == "__lambda__":
        raise ValueError("The file holds a Keras 3 lambda (Python bytecode written by Keras 3), which "
                         "kerasx cannot load. Rebuild the Lambda layer in code.")
    if class_name == "function":  # Keras 3 writes a function as its name in an envelope
        return value["config"]
    if class_name is not None and "config" in value:
        return object_from_keras3(value)
    return {k: _plain(v) for k, v in value.items()}


def object_from_keras3(obj, module=None):
    """A Keras 3 envelope as kerasx's ``{"class_name", "config"}`` (with `name` and `inbound_nodes`
    kept for the layers of a functional model). `module` stands in for an envelope without one (the
    `.h5` files Keras 3 writes leave it out)."""
    registered = obj.get("registered_name")
    class_name = registered if registered and ">" in registered else obj["class_name"]
    config = obj.get("config")
    if not isinstance(config, dict):
        return {"class_name": class_name, "config": config}
    config = {k: v if k in ("layers",) else _plain(v) for k, v in config.items()}
    owner = f'"{config.get("name", "?")}" ({class_name})'
    if class_name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    if class_name in ("Functional", "Model"):
        config = _functional_from_keras3(config)
    elif class_name == "Sequential":
        config["layers"] = _sequential_layers_from_keras3(config)
    cls = _kerasx_class(class_name, obj.get("module") or module or "")
    if cls is not None:
        accepted = _accepted_arguments(cls)
        extra = {k: v for k, v in config.items() if k not in accepted}
        kept = _drop_known(owner, extra, _KERAS3_ONLY_DEFAULTS, "kerasx (as tf.keras 2.x)")
        for key in set(extra) - set(kept):
            del config[key]
    out = {"class_name": class_name, "config": config}
    if "name" in obj:
        out["name"] = obj["name"]
    if "inbound_nodes" in obj:
        out["inbound_nodes"] = [_node_from_keras3(n, cls) for n in obj["inbound_nodes"]]
    return out


def _sequential_layers_from_keras3(config):
    """A Keras 3 Sequential built without an Input (`model.build(shape)`) keeps its shape in
    `build_input_shape`; kerasx's Sequential, as tf.keras's config, starts with the InputLayer."""
    layers = [object_from_keras3(layer) for layer in config["layers"]]
    shape = config.get("build_input_shape")
    if shape is not None and layers and layers[0]["class_name"] != "InputLayer":
        first = layers[0]["config"]
        layers.insert(0, {"class_name": "InputLayer", "config": {
            "batch_input_shape": shape, "dtype": first.get("dtype") or "float32",
            "name": f"{first.get('name', 'sequential')}_input"}})
    return layers


# Keras 3 module -> the kerasx kind whose objects it holds (a loss, an optimizer, ...).
_KINDS = (("initializers", "initializer"), ("optimizers", "optimizer"), ("losses", "loss"),
          ("metrics", "metric"))


def _kerasx_class(class_name, module):
    """The kerasx class a Keras 3 envelope names, None where kerasx has none (a regularizer)."""
    found = get_registered_object(class_name)
    if found is not None:
        return found if inspect.isclass(found) else None
    for part, kind in _KINDS:
        if part in module:
            try:  # `get` builds one with the defaults: the kinds register no class tables
                found = serialization(kind).get(class_name)
            except (ValueError, TypeError):
                return None
            return type(found) if hasattr(found, "get_config") else None
    return built_in_objects("layer").get(class_name)


def _ref(tensor):
    if isinstance(tensor, dict) and tensor.get("class_name") == "__keras_tensor__":
        return list(tensor["config"]["keras_history"])
    if isinstance(tensor, list):
        return [_ref(t) for t in tensor]
    return _plain(tensor)


def _flat_tensors(value):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flat_tensors(v)]
    return []


def _node_from_keras3(node, cls):
    if isinstance(node, list):  # Keras 3 also writes and reads tf.keras's layout
        return node
    args, kwargs = list(node.get("args") or []), dict(node.get("kwargs") or {})
    if len(args) > 1:
        # Later positional arguments go in as keywords, named after the kerasx layer's `call`.
        names = list(inspect.signature(cls.call).parameters)[2:] if cls is not None else []
        if len(names) < len(args) - 1:
            raise ValueError(f"Cannot read a call of a {getattr(cls, '__name__', '?')} layer with "
                             f"{len(args)} positional arguments from the Keras 3 config.")
        kwargs.update(zip(names, args[1:]))
    kwargs = {k: _ref(v) for k, v in kwargs.items() if v is not None}
    tensors = _flat_tensors(args[0]) if args else []
    return [_ref(t) + [kwargs] for t in tensors]


def _as_ref_list(refs):
    # Keras 3 writes a single input or output as one flat [name, node, tensor].
    if refs and isinstance(refs[0], str):
        return [refs]
    return refs


def _functional_from_keras3(config):
    config = json.loads(json.dumps(config))  # shifted in place below: the caller's dict stays as it was
    config["input_layers"] = _as_ref_list(config.get("input_layers"))
    config["output_layers"] = _as_ref_list(config.get("output_layers"))
    _shift_functional_refs(config, -1)
    config["layers"] = [object_from_keras3(layer) for layer in config["layers"]]
    config.pop("trainable", None)
    return config


def model_from_keras3(config):
    """A `config.json` (or a Keras 3 `.h5` model_config) as the kerasx model config."""
    return object_from_keras3(config)


def training_from_keras3_h5(training_config):
    """The `training_config` of a Keras 3 `.h5` file (tf.keras's keys, Keras 3's values) as kerasx's."""
    if not training_config or training_config.get("optimizer_config") is None:
        return None
    compile_config = dict(training_config, optimizer=training_config["optimizer_config"])
    return training_from_keras3(compile_config)


def training_from_keras3(compile_config):
    """Keras 3's `compile_config` as a kerasx `training_config`, or None when there is none."""
    if not compile_config or compile_config.get("optimizer") is None:
        return None

    def convert(value, module):
        if isinstance(value, dict) and value.get("class_name") in ("function", "__lambda__"):
            return _plain(value)
        if isinstance(value, dict) and "class_name" in value:
            return object_from_keras3(value, module)
        if isinstance(value, dict):
            return {k: convert(v, module) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, module) for v in value]
        return value
    optimizer = convert(compile_config["optimizer"], "keras.optimizers")
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer, "config": {}}
    return {"optimizer_config": optimizer, "loss": convert(compile_config.get("loss"), "keras.losses"),
            "metrics": convert(compile_config.get("metrics"), "keras.metrics"),
            "weighted_metrics": convert(compile_config.get("weighted_metrics"), "keras.metrics"),
            "loss_weights": compile_config.get("loss_weights")}
