"""`Model`: a `Layer` that can be trained (the `Trainer` mixin), summarised and saved.

`Model(inputs, outputs)` returns a `Functional` model, as tf.keras does; `Model()` subclassed with a
`call()` is a subclassed model whose layers are the ones assigned as attributes.
"""
import copy

from kerasx.distribute.fit_hooks import chief_writes
from kerasx.engine.base_layer import Layer, _unique
from kerasx.engine.functional_call import infer_output_shapes
from kerasx.engine.functional_config import functional_from_config
from kerasx.engine.generator_methods import GeneratorMethods
from kerasx.engine.naming import to_snake_case, unique_name
from kerasx.engine.summary import print_summary
from kerasx.engine.trainer import Trainer
from kerasx.saving.model_config import model_to_json, model_to_yaml
from kerasx.saving.object_registration import built_in_objects
from kerasx.saving.pickle_utils import deserialize_model_from_bytecode, serialize_model_as_bytecode
from kerasx.saving.save import load_weights, save_model, save_weights


def _functional():
    # `Functional` subclasses `Model`, so `Model` finds it by name: it registers itself when defined.
    return built_in_objects("layer")["Functional"]


class Model(Trainer, GeneratorMethods, Layer):
    # A model hands string arrays on to its layers, which take them or refuse them by name.
    _accepts_string_inputs = True

    def __new__(cls, *args, **kwargs):
        # As tf.keras: `Model(inputs, outputs)` is a Functional model.
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            return super().__new__(_functional())
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # A subclass of Model given inputs and outputs (`CustomModel(inputs, outputs)`, the guide's
            # recipe for customising `fit` on a functional model): only now is it known to be a
            # graph, so, as tf.keras does, `Functional` takes Model's place among the class's bases.
            # The class stays the user's own (`type(model) is CustomModel`, registered names still
            # match) and gains the graph's methods, its own overrides still first.
            functional = _functional()
            if not isinstance(self, functional):
                _inject_functional(type(self), functional)
            functional.__init__(self, *args, **kwargs)
            return
        allowed = {"name", "trainable", "dtype", "dynamic", "autocast"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} (Model).")
        if args:
            raise TypeError(f"Model() takes inputs and outputs together; received {len(args)} positional "
                            "argument(s).")
        Layer.__init__(self, **kwargs)
        self._init_trainer()
        self._is_graph_network = False

    def _default_name(self):
        cls_name = "model" if type(self).__name__ in ("Model", "Functional") else type(self).__name__
        return unique_name(to_snake_case(cls_name))

    # ------------------------------------------------------------ layers
    @property
    def layers(self):
        # A functional model lists its InputLayers too, as tf.keras does (Sequential overrides this).
        return list(self._tracked_layers)

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `layers`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, "
                             f"name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[l.name for l in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape):
        """Builds a subclassed model by calling it on a placeholder batch of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling `build()` on a `Model` subclass.")
        infer_output_shapes(self, tuple(input_shape) if _is_shape(input_shape) else
                            [tuple(s) for s in input_shape])
        self._build_input_shape = input_shape
        self.built = True

    def _maybe_build(self, input_shapes):
        # A subclassed model's "weights" are its sublayers'; they build during the first call.
        if not self.built:
            self.built = True

    # ------------------------------------------------------------ summary and saving
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints the layer table in tf.keras's format."""
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` or by "
                "calling the model on a batch of data.")
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable)

    @property
    def weights(self):
        """Layer by layer, each layer's trainable then non-trainable weights, then the model's own: the
        order of tf.keras's `Model.weights`, so `get_weights()` lists line up with a tf.keras model's
        even when a BatchNormalization sits between trainable layers."""
        out = []
        for layer in self._tracked_layers:
            out.extend(layer.weights)
        out.extend(self._trainable_weights)
        out.extend(self._non_trainable_weights)
        return _unique(out)

    variables = weights

    def reset_states(self):
        """Zeroes the carried states of every stateful layer (a stateful LSTM between sequences)."""
        for layer in self._tracked_layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def __reduce__(self):
        # A built model pickles as its whole-model save (tf.keras 2.x's way); an unbuilt one as a plain
        # Python object, which works when its parts do.
        if self.built:
            return deserialize_model_from_bytecode, (serialize_model_as_bytecode(self),)
        return super().__reduce__()

    def __deepcopy__(self, memo):
        if not self.built:  # copied attribute by attribute, as `copy.deepcopy` copies a plain object
            new = type(self).__new__(type(self))
            memo[id(self)] = new
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
            return new
        new = deserialize_model_from_bytecode(serialize_model_as_bytecode(self))
        memo[id(self)] = new
        return new

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, signatures=None,
             options=None, save_traces=True):
        """Saves the model (architecture, weights, training config, optimizer state) to one HDF5 file
        in the tf.keras layout; see `kerasx.models.save_model`."""
        # Under a multi-process strategy the chief writes, then every rank waits for the file.
        chief_writes(self, lambda: save_model(self, filepath, overwrite=overwrite,
                                              include_optimizer=include_optimizer, save_format=save_format))

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Saves every layer's weights to an HDF5 file (subclassed models too)."""
        chief_writes(self, lambda: save_weights(self, filepath, overwrite=overwrite, save_format=save_format))

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Loads weights from an HDF5 weights or model file, matching layers by order (or by name)."""
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (`kwargs` go to `json.dumps`)."""
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """The architecture as a YAML string (`kwargs` go to `yaml.dump`)."""
        return model_to_yaml(self, **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """As tf.keras: a functional model's config (``layers``, ``input_layers``, ``output_layers``)
        rebuilds that graph, also through `Model.from_config` or a subclass that keeps Model's
        constructor; any other config goes to the constructor."""
        functional_keys = ("name", "layers", "input_layers", "output_layers")
        if all(key in config for key in functional_keys) and cls.__init__ is Model.__init__:
            return functional_from_config(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to revive model from config. When overriding `get_config()`, make sure that the "
                f"returned config contains all items used as arguments in the constructor to {cls.__name__}, "
                "which is the default behavior. You can override this default behavior by defining a "
                f"`from_config` method to specify how to create an instance of {cls.__name__} from the "
                f"config.\n\nError encountered during deserialization:\n{e}") from e


def _functional_arguments(args, kwargs):
    """Whether a Model subclass's constructor was given a graph's inputs and outputs (tf.keras's
    `is_functional_model_init_params`)."""
    given = len(args) + ("inputs" in kwargs) + ("outputs" in kwargs)
    return given >= 2 and (len(args) >= 1 or "inputs" in kwargs)


def _inject_functional(cls, functional):
    """Replaces `Model` by `functional` among the bases of `cls` and of its bases that subclass Model
    (tf.keras's `inject_functional_model_class`); returns the class to stand in `cls`'s place."""
    if cls is Model:
        return functional
    if not issubclass(cls, Model) or issubclass(cls, functional):
        return cls
    cls.__bases__ = tuple(_inject_functional(base, functional) for base in cls.__bases__)
    return cls


def _is_shape(s):
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)
