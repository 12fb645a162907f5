"""Whole models in Keras 3's `.keras` format: `model.save('m.keras')` and `load_model('m.keras')`.

`config.json` holds the model's config in Keras 3's layout (`keras3_config`) with the compile config,
`model.weights.h5` the weights and optimizer state in Keras 3's layout (`keras3_weights`), in the zip
container of `keras_zip`. Files written here load in Keras 3 (and tf.keras 2.13+), and files Keras 3
writes load here, for the layers, optimizers, losses and metrics kerasx has.
"""
import datetime

import h5py  # host-side file I/O

from kerasx.saving.hdf5_file import WRITE_LIBVER
from kerasx.saving.keras3_config import model_from_keras3, model_to_keras3, training_from_keras3, \
    training_to_keras3
from kerasx.saving.keras3_weights import load_model_weights, load_optimizer_state, save_model_weights, walk_layers
from kerasx.saving.keras_assets import check_model_vocabularies, load_vocabularies, vocabulary_assets
from kerasx.saving.keras_zip import CONFIG_NAME, WEIGHTS_NAME, KerasArchive, write_keras_archive
from kerasx.saving.model_config import model_from_config
from kerasx.saving.object_registration import CustomObjectScope, built_in_objects
from kerasx.saving.training_config import compile_args_from_training_config, model_metadata
from kerasx.saving.writer import __version__, writer_backend


# Objects other than models that `.keras` archives hold, by the class name of their config: tf.keras
# saves a `FeatureSpace` so. Their modules, a floor above this one, register how to load them.
_OBJECT_LOADERS = {}


def register_archive_loader(class_name, load):
    """Has `load_model` hand an archive whose config is of `class_name` to `load(archive, config)`
    (an open `KerasArchive` and its decoded `config.json`), which returns the object."""
    _OBJECT_LOADERS[class_name] = load


def _check_saveable(model):
    # Sequential is found by name: the engine, which calls this module, is a floor above it.
    sequential = built_in_objects("layer")["Sequential"]
    if not getattr(model, "_is_graph_network", False) and not isinstance(model, sequential):
        raise ValueError(
            f"Cannot save the model {model.name!r} ({type(model).__name__}) to the '.keras' format: "
            "kerasx writes Functional and Sequential models, whose config describes them whole; a "
            "subclassed model is defined by the body of its `call`. Use `save_weights` (and rebuild "
            "the model in code before `load_weights`).")


def tensor_specs(model):
    """(layer name, node index, tensor index) -> (shape, dtype) of a functional model's tensors, for
    Keras 3's `__keras_tensor__` entries, nested functional models' included (layer names are unique
    in a model). The node indices are those of the model's config."""
    nodes = getattr(model, "_nodes_in_order", None)
    if nodes is None:
        return {}
    graph_nodes = {id(n) for n in nodes}
    specs = {}
    for layer in model._tracked_layers:
        kept = [n for n in layer._inbound_nodes if id(n) in graph_nodes]
        for i, node in enumerate(kept):
            outputs = node.outputs if isinstance(node.outputs, (list, tuple)) else [node.outputs]
            for j, t in enumerate(outputs):
                specs[(layer.name, i, j)] = ([d for d in t.shape], str(t.dtype))
        specs.update(tensor_specs(layer))  # a nested functional model's own tensors
    return specs


def save_model_to_keras(model, filepath, overwrite=True, include_optimizer=True):
    """Writes `model` as a `.keras` archive at `filepath`."""
    _check_saveable(model)
    # Everything that can fail on the model (its config and its translation) fails before the file
    # is touched.
    metadata = model_metadata(model, include_optimizer)
    training = metadata.get("training_config")
    compile_config = training_to_keras3(training) if training is not None else None
    config = model_to_keras3(metadata["model_config"], tensor_specs(model), compile_config)
    optimizer = model.optimizer if training is not None else None
    archive_metadata = {"keras_version": __version__, "backend": writer_backend(),
                        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}

    check_model_vocabularies(walk_layers(model))
    assets = vocabulary_assets(walk_layers(model))  # adapted lookups' vocabularies: not in Variables

    def write_weights(fileobj):
        with h5py.File(fileobj, "w", libver=WRITE_LIBVER) as f:
            save_model_weights(f, model, optimizer)
    write_keras_archive(filepath, overwrite, config, archive_metadata, write_weights, assets=assets)


def load_model_from_keras(filepath, custom_objects=None, compile=True):
    """The model in the `.keras` archive at `filepath`, with its weights; compiled, with its
    optimizer state, when `compile` and the archive has a compile config."""
    with KerasArchive(filepath) as archive, CustomObjectScope(custom_objects):
        archive.metadata()
        config = archive.read_json(CONFIG_NAME)
        load = _OBJECT_LOADERS.get(config.get("class_name"))
        if load is not None:
            return load(archive, config)
        model = model_from_config(model_from_keras3(config), custom_objects=custom_objects)
        training = training_from_keras3(config.get("compile_config")) if compile else None
        if training is not None:
            model.compile(**compile_args_from_training_config(training, custom_objects))
        if not archive.has(WEIGHTS_NAME):
            return model
        with archive.open_member(WEIGHTS_NAME) as member, h5py.File(member, "r") as f:
            load_model_weights(f, model)
            load_vocabularies(archive, f, walk_layers(model), _not_a_model_archive)
            if training is not None:
                load_optimizer_state(f, model)
    return model


def load_weights_from_keras(model, filepath, skip_mismatch=False):
    """`model.load_weights('m.keras')`: the layer weights of a `.keras` archive, as Keras 3 reads them."""
    with KerasArchive(filepath) as archive:
        with archive.open_member(WEIGHTS_NAME) as member, h5py.File(member, "r") as f:
            load_model_weights(f, model, skip_mismatch=skip_mismatch)


def _not_a_model_archive(archive, what):
    return ValueError(f"{archive.filepath} does not hold a valid model: {what}")
