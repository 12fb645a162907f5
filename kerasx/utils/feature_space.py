"""`keras.utils.FeatureSpace` (tf.keras 2.21): structured data preprocessed and encoded in one place. Each
named feature gets a preprocessing layer (Normalization, Discretization, IntegerLookup, StringLookup,
Hashing, Rescaling, Identity, or one of the user's), chosen crosses of features a HashedCrossing, the
categorical ones a CategoryEncoding; the results come back concatenated or as a dict, eagerly on a dict of
arrays or symbolically over `get_inputs()` for a functional model.

`keras.utils` sits below the layers (the initializers import `utils.random`), so this module reaches the
layer classes through the registry each kerasx `Layer` class joins where it is defined, as tf.keras itself
reaches them through a LazyLoader: importing `kerasx.layers` here would be an import cycle."""
from kerasx import ops
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.data.dataset import Dataset
from kerasx.data.structure import to_host
from kerasx.engine.naming import unique_name
from kerasx.engine.string_inputs import is_string_array, is_string_like
from kerasx.saving.keras_archive import register_archive_loader
from kerasx.saving.object_registration import built_in_objects, deserialize_keras_object, serialization
from kerasx.utils.feature_space_saving import load_feature_space, save_feature_space

_FEATURE_OUTPUT_MODES = ("int", "one_hot", "float")
_CROSS_OUTPUT_MODES = ("int", "one_hot")
_OUTPUT_MODES = ("dict", "concat")
_SHORTCUTS = ("float", "float_rescaled", "float_normalized", "float_discretized", "integer_categorical",
              "integer_hashed", "string_categorical", "string_hashed")


class _Layers:
    """`layers.Normalization` etc., looked up by class name when used (all are registered once
    `import kerasx` has run, which any import of a kerasx module does first)."""

    def __getattr__(self, name):
        classes = built_in_objects("layer")
        if name not in classes:
            raise RuntimeError(f"FeatureSpace needs the layer class {name!r}, which is not registered: "
                               "import kerasx (which imports kerasx.layers) first.")
        return classes[name]


layers = _Layers()


def _check_choice(argument, value, allowed):
    if value not in allowed:
        expected = "{" + ", ".join(repr(a) for a in allowed) + "}"
        raise ValueError(f"Invalid value for argument `{argument}`. Expected one of {expected}. "
                         f"Received: {argument}={value!r}")


class Cross:
    """A cross of features (by name), hashed into `crossing_dim` bins and, by default, one-hot encoded."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        _check_choice("output_mode", output_mode, _CROSS_OUTPUT_MODES)
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature: the dtype of its input, its preprocessing layer, and how its output is encoded
    ('float' as it comes, 'int' indices, or 'one_hot' through a CategoryEncoding)."""

    def __init__(self, dtype, preprocessor, output_mode):
        _check_choice("output_mode", output_mode, _FEATURE_OUTPUT_MODES)
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = serialization("layer").deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialization("layer").serialize(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_SPEC_CLASSES = {"Feature": Feature, "Cross": Cross}


def _spec_from_config(config, kind):
    """A serialized Feature or Cross (as `get_config` writes them) rebuilt."""
    if config.get("class_name") != kind:
        raise ValueError(f"Expected a serialized {kind}, received: {config}")
    return deserialize_keras_object(config, module_objects=_SPEC_CLASSES, printable_module_name=kind)


class FeatureSpace:
    """One-stop utility for preprocessing and encoding structured data, as `tf.keras.utils.FeatureSpace`.

    `features`: a dict of feature name -> type, either a string (one of "float", "float_rescaled",
    "float_normalized", "float_discretized", "integer_categorical", "integer_hashed",
    "string_categorical", "string_hashed", with the default arguments) or a `FeatureSpace.float(...)`-style
    spec. `output_mode`: "concat" (one vector per sample, features in sorted name order, then the crosses
    in sorted name order) or "dict". `crosses`: tuples of feature names, or `FeatureSpace.cross(...)`
    specs. `crossing_dim`, `hashing_dim`, `num_discretization_bins`: the sizes the string shortcuts and
    tuple crosses use (32 each).

    Call `adapt(dataset)` on a `kerasx.data.Dataset` of dicts before use (unless no feature needs it);
    then call it on a dict of arrays (batched, or one sample of scalars), or build a model over
    `get_inputs()` and `get_encoded_features()`."""

    # ------------------------------------------------------------ feature specs
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or unique_name("float", zero_based=False)
        return Feature("float32", layers.Identity(dtype="float32", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or unique_name("float_rescaled", zero_based=False)
        preprocessor = layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or unique_name("float_normalized", zero_based=False)
        return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or unique_name("float_discretized", zero_based=False)
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or unique_name("integer_categorical", zero_based=False)
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature("int64", preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or unique_name("string_categorical", zero_based=False)
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or unique_name("string_hashed", zero_based=False)
        return Feature("string", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or unique_name("integer_hashed", zero_based=False)
        return Feature("int64", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    # ------------------------------------------------------------ construction
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32):
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise ValueError("The `features` argument should be a dict mapping feature names to feature "
                             f"types. Received: features={features!r} (of type {type(features).__name__})")
        _check_choice("output_mode", output_mode, _OUTPUT_MODES)
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        # Everything is checked before any layer is made, so a bad argument leaves no half-built layers.
        for name, value in features.items():
            self._check_feature_type(name, value)
        crosses = [self._check_cross(c, features) for c in (crosses or [])]
        self.output_mode = output_mode
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [c if isinstance(c, Cross) else Cross(c, crossing_dim=crossing_dim) for c in crosses]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}

        self.inputs = {name: self._feature_to_input(name, value) for name, value in self.features.items()}
        self.preprocessors = {name: value.preprocessor for name, value in self.features.items()}
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.encoded_features = None
        self.one_hot_encoders = {}
        self.concat = None
        self.built = False
        self._is_adapted = False
        self._preprocessed_features_names = sorted(self.features)
        self._crossed_features_names = sorted(self.crosses_by_name)

    @staticmethod
    def _check_feature_type(name, value):
        if isinstance(value, (Feature, dict)) or value in _SHORTCUTS:
            return
        raise ValueError(f"Invalid feature type: {value!r} for feature {name!r}. Expected a "
                         f"FeatureSpace.feature(...) spec or one of {list(_SHORTCUTS)}.")

    def _check_cross(self, cross, features):
        if isinstance(cross, dict):
            cross = _spec_from_config(cross, "Cross")
        if not isinstance(cross, Cross) and not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        names = cross.feature_names if isinstance(cross, Cross) else cross
        # tf.keras checks tuples only; a Cross naming an unknown feature would fail later, at the first call.
        if isinstance(names, str) or not all(key in features for key in names):
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {names}")
        return cross if isinstance(cross, Cross) else tuple(cross)

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _spec_from_config(feature, "Feature")
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        return getattr(self, feature)(name=name)

    @staticmethod
    def _feature_to_input(name, feature):
        return layers.InputLayer(input_shape=(1,), dtype=feature.dtype, name=name).output

    # ------------------------------------------------------------ adapt
    def _list_adaptable_preprocessors(self):
        adaptable = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            # Preset state is not adaptable (tf.keras skips a Normalization with a mean; a
            # Discretization with bin boundaries would refuse adapt). kerasx's Hashing inherits an `adapt`
            # that tf.keras's Hashing, a plain Layer, does not have.
            if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
                continue
            if (isinstance(preprocessor, layers.Discretization)
                    and preprocessor.input_bin_boundaries is not None):
                continue
            if isinstance(preprocessor, (layers.Hashing, layers.HashedCrossing)):
                continue
            # A lookup given its `vocabulary` refuses adapt (tf.keras counts it adaptable, so a
            # FeatureSpace holding one can never be used there).
            if getattr(preprocessor, "input_vocabulary", None) is not None:
                continue
            if hasattr(preprocessor, "adapt"):
                adaptable.append(name)
        return adaptable

    def adapt(self, dataset):
        """Adapts every feature's preprocessing layer that has state to compute (Normalization's mean and
        variance, the lookups' vocabularies, Discretization's bins) on `dataset`, a `kerasx.data.Dataset`
        whose elements are dicts holding every feature (batched or not)."""
        if not isinstance(dataset, Dataset):
            raise ValueError("`adapt()` can only be called on a kerasx.data.Dataset. "
                             f"Received instead: {dataset!r} (of type {type(dataset).__name__})")
        first = next(iter(dataset.take(1).as_numpy_iterator()), None)
        if first is None:
            raise ValueError("`adapt()` received an empty Dataset.")
        if not isinstance(first, dict):
            raise ValueError("`adapt()` needs a Dataset of dicts mapping feature names to values. Received "
                             f"an element of type {type(first).__name__}")
        adaptable = self._list_adaptable_preprocessors()
        self._check_keys(first, "the elements of the Dataset given to `adapt()`", adaptable)
        for name in adaptable:
            feature_dataset = dataset.map(lambda x, name=name: x[name])
            rank = first[name].ndim
            if rank == 0:  # unbatched scalars: batched here, as tf.keras does
                feature_dataset = feature_dataset.batch(32)
            if rank in (0, 1):  # a trailing axis of 1, so the layers reduce over axis -1 as at call time
                feature_dataset = feature_dataset.map(_expand_last)
            self.preprocessors[name].adapt(feature_dataset)
        self._is_adapted = True
        self.get_encoded_features()  # finishes building: makes the encoders and the concatenation
        self.built = True

    # ------------------------------------------------------------ symbolic use
    def get_inputs(self):
        """The dict of `Input(shape=(1,))` tensors, by feature name, a functional model starts from."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features computed from `get_inputs()`: one symbolic tensor in "concat" mode, a dict
        in "dict" mode."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[name] for name in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[n] for n in self._preprocessed_features_names]
        values += [crossed[n] for n in self._crossed_features_names]
        if not self.built:
            self._make_encoders(names, values)  # once, from the symbolic features' dtypes
        encoded = []
        for name, value in zip(names, values):
            encoder = self.one_hot_encoders.get(name)
            encoded.append(encoder(value) if encoder else value)
        if self.output_mode == "dict":
            return dict(zip(names, encoded))
        if self.concat is None:
            for name, value in zip(names, encoded):
                dtype = str(value.dtype)
                if dtype.startswith(("int", "uint")) or dtype == "string":
                    raise ValueError(f"Cannot concatenate features because feature '{name}' has not been "
                                     f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`.")
            self.concat = layers.Concatenate(axis=-1)
        return self.concat(encoded)

    def _make_encoders(self, names, values):
        specs = [self.features[n] for n in self._preprocessed_features_names]
        specs += [self.crosses_by_name[n] for n in self._crossed_features_names]
        for name, value, spec in zip(names, values, specs):
            if spec.output_mode != "one_hot" or name in self.one_hot_encoders:
                continue
            dtype = str(value.dtype)
            if not dtype.startswith(("int", "uint")):
                raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should "
                                 f"return an int64 dtype. Instead it returns a {dtype} dtype.")
            cardinality = _cardinality(self.preprocessors.get(name) or self.crossers.get(name))
            if cardinality is None:
                raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard "
                                 "feature and the dimensionality of its output space is not known, thus it "
                                 "cannot be one-hot encoded. Try using `output_mode='int'`.")
            self.one_hot_encoders[name] = layers.CategoryEncoding(num_tokens=cardinality,
                                                                  output_mode="multi_hot")

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self.built:
            self._check_if_adapted()
            self.get_encoded_features()
            self.built = True

    def _check_keys(self, data, what, names=None):
        missing = [name for name in (self.features if names is None else names) if name not in data]
        if missing:
            raise ValueError(f"The FeatureSpace's features {missing} are missing from {what}. Expected a dict "
                             f"with keys {sorted(self.features)}; received keys {sorted(data)}.")

    # ------------------------------------------------------------ eager use
    def __call__(self, data):
        """Encodes a dict of feature name -> values: arrays, lists or Tensors of shape (batch,) or
        (batch, 1), or one sample of scalars (the output then has no batch axis)."""
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data!r} "
                             f"(of type {type(data).__name__})")
        self._check_keys(data, "the dict the FeatureSpace was called with")
        data = {name: _as_column(name, data[name], feature.dtype) for name, feature in self.features.items()}
        self._check_if_built()
        rebatched = any(one_sample for _, one_sample in data.values())
        data = {name: value for name, (value, _) in data.items()}
        preprocessed = self._preprocess_features(data)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if not rebatched:
            return merged
        # One sample of scalars in, one sample out: the batch axis of 1 added above comes off again.
        if self.output_mode == "concat":
            return ops.squeeze(merged, axis=0)
        return {name: ops.squeeze(x, axis=0) if x.ndim == 2 and x.shape[0] == 1 else x
                for name, x in merged.items()}

    # ------------------------------------------------------------ config
    def get_config(self):
        return {"features": {name: _serialize(feature) for name, feature in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [_serialize(cross) for cross in self.crosses],
                "crossing_dim": self.crossing_dim,
                "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        """{feature name: its preprocessor's build config}, as tf.keras (None for one not built)."""
        return {name: {"input_shape": [None, 1]} if feature.preprocessor.built else None
                for name, feature in self.features.items()}

    def build_from_config(self, config):
        """Builds the preprocessors for their stored input shapes and counts the FeatureSpace as adapted,
        as tf.keras does when it loads one (the loader then restores their state)."""
        for name, entry in config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and isinstance(entry, dict) and entry.get("input_shape") is not None:
                preprocessor.build(tuple(entry["input_shape"]))
        self._is_adapted = True

    # ------------------------------------------------------------ saving
    def save(self, filepath):
        """Saves the FeatureSpace, its adapted state included, to a `.keras` file (tf.keras 2.21's
        layout); `keras.models.load_model(filepath)` gives it back, ready to be called:

        ```python
        feature_space.save("myfeaturespace.keras")
        reloaded_feature_space = keras.models.load_model("myfeaturespace.keras")
        ```

        tf.keras writes a FeatureSpace that was never adapted (or called) with a warning, into a file it
        then fails to load; kerasx refuses to, before touching the file."""
        path = str(filepath)
        if not path.endswith(".keras"):
            raise ValueError(f"Invalid `filepath` argument: expected a `.keras` extension. Received: "
                             f"filepath={path}")
        if not self._is_adapted and self._list_adaptable_preprocessors():
            raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can save it: "
                             "its preprocessors' state (vocabularies, means and variances, bins) comes from "
                             f"`adapt`. Adaptable features: {self._list_adaptable_preprocessors()}")
        self._check_if_built()
        save_feature_space(self, filepath)


def _load(archive, config):
    return load_feature_space(archive, config, FeatureSpace, Feature, Cross)


register_archive_loader("FeatureSpace", _load)


def _serialize(spec):
    return {"class_name": type(spec).__name__, "config": spec.get_config()}


def _cardinality(preprocessor):
    """The number of indices a categorical preprocessor can output, or None for a layer of unknown range."""
    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, layers.Discretization):
        # tf.keras reads `num_bins` alone, which is None with explicit `bin_boundaries`: one more bin than
        # boundaries then.
        if preprocessor.num_bins is not None:
            return preprocessor.num_bins
        return len(preprocessor.input_bin_boundaries) + 1
    if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
        return preprocessor.num_bins
    return None


def _is_integer(dtype):
    return str(dtype).startswith(("int", "uint", "bool"))


def _expand_last(x):
    """(batch,) -> (batch, 1), for a Tensor or a host (string) array."""
    if isinstance(x, Tensor):
        return ops.expand_dims(x, -1)
    return x.reshape(tuple(x.shape) + (1,))


def _as_column(name, value, dtype):
    """A feature's values as a (batch, 1) Tensor, or a host array for strings, and whether they were one
    sample of a scalar (then made a batch of one). Integers given to a float feature become its float
    dtype, as the feature's `Input` would make them in a model; other mismatches are left to the layer."""
    if is_string_like(value) and not is_string_array(value):
        value = to_host(value)  # a str, or a list of them: a host string array, as strings stay on the host
    elif not is_string_array(value):
        value = as_tensor(value)
        if dtype != "string" and value.dtype != dtype and _is_integer(value.dtype) and (
                _is_integer(dtype) or dtype.startswith("float")):
            value = ops.cast(value, dtype)
    if value.ndim > 2 or (value.ndim == 2 and value.shape[-1] != 1):
        raise ValueError(f"Feature '{name}' should have shape (), (batch,) or (batch, 1). Received: "
                         f"shape {tuple(value.shape)}")
    if value.ndim == 2:
        return value, False
    shape = (1, 1) if value.ndim == 0 else (value.shape[0], 1)
    reshaped = ops.reshape(value, shape) if isinstance(value, Tensor) else value.reshape(shape)
    return reshaped, value.ndim == 0
