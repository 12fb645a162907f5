"""`utils.FeatureSpace`: each feature type against a NumPy computation (hash bins, which NumPy cannot
compute, are figures read off tf_keras 2.21), crosses, both output modes, `adapt` on batched and unbatched
Datasets, one-sample calls, a functional model over it that trains, the config round trip, and the errors."""
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx.data import Dataset
from kerasx.utils import FeatureSpace


def _one_hot(indices, depth):
    return np.eye(depth, dtype="float32")[np.asarray(indices)]


def _np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


# Distinct counts, so each vocabulary's order (most frequent first, after the OOV index 0) is defined.
CATEGORICAL = {"color": np.array(["red", "red", "red", "blue", "blue", "green"]),
               "size": np.array([7, 7, 5, 5, 5, 9], dtype="int64")}


def test_float_types_against_numpy(backend):
    x = np.array([1.0, 2.0, 4.0, 9.0], dtype="float32")
    fs = FeatureSpace({"plain": "float", "scaled": FeatureSpace.float_rescaled(scale=2.0, offset=-1.0),
                       "normed": "float_normalized"}, output_mode="dict")
    fs.adapt(Dataset.from_tensor_slices({"plain": x, "scaled": x, "normed": x}))
    out = fs({"plain": x, "scaled": x, "normed": x})
    assert sorted(out) == ["normed", "plain", "scaled"]
    assert all(v.shape == (4, 1) and v.dtype == "float32" for v in out.values())
    np.testing.assert_allclose(_np(out["plain"]), x[:, None])
    np.testing.assert_allclose(_np(out["scaled"]), x[:, None] * 2.0 - 1.0)
    np.testing.assert_allclose(_np(out["normed"]), ((x - x.mean()) / x.std())[:, None], rtol=1e-5)


def test_float_discretized_with_adapted_and_given_boundaries(backend):
    x = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32")
    given = [0.5, 2.5]
    fs = FeatureSpace({"adapted": FeatureSpace.float_discretized(num_bins=3),
                       "given": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=given)},
                      output_mode="dict")
    fs.adapt(Dataset.from_tensor_slices({"adapted": x, "given": x}))
    out = fs({"adapted": x, "given": x})
    # tf_keras 2.21: adapt on 1..4 with 3 bins gives boundaries [1.333, 2.667], bins [0, 1, 2, 2].
    np.testing.assert_allclose(fs.preprocessors["adapted"].bin_boundaries, [4 / 3, 8 / 3], rtol=1e-6)
    np.testing.assert_allclose(_np(out["adapted"]), _one_hot([0, 1, 2, 2], 3))
    # Boundaries given: len(boundaries) + 1 bins (tf.keras leaves this case without a one-hot size).
    np.testing.assert_allclose(_np(out["given"]), _one_hot(np.digitize(x, given), 3))


def test_categorical_types_against_numpy(backend):
    fs = FeatureSpace({"color": "string_categorical", "size": "integer_categorical"}, output_mode="dict")
    fs.adapt(Dataset.from_tensor_slices(CATEGORICAL).batch(4))
    assert fs.preprocessors["color"].get_vocabulary() == ["[UNK]", "red", "blue", "green"]
    assert fs.preprocessors["size"].get_vocabulary() == [-1, 5, 7, 9]
    out = fs({"color": ["green", "red", "purple"], "size": [9, 7, 3]})
    np.testing.assert_allclose(_np(out["color"]), _one_hot([3, 1, 0], 4))  # purple: out of vocabulary
    np.testing.assert_allclose(_np(out["size"]), _one_hot([3, 2, 0], 4))


def test_hashed_types_match_tf_keras(backend):
    fs = FeatureSpace({"i": FeatureSpace.integer_hashed(num_bins=4), "s": "string_hashed"}, hashing_dim=4,
                      output_mode="dict")
    out = fs({"i": np.array([5, 6, 7, 8]), "s": np.array(["x", "y", "z", "w"])})  # nothing to adapt
    # Bins read off tf_keras 2.21's FeatureSpace on the same values (FarmHash Fingerprint64 % 4).
    np.testing.assert_allclose(_np(out["i"]), _one_hot([3, 3, 0, 3], 4))
    np.testing.assert_allclose(_np(out["s"]), _one_hot([2, 1, 1, 3], 4))


def test_int_output_modes_in_dict_mode(backend):
    fs = FeatureSpace({"color": FeatureSpace.string_categorical(output_mode="int"),
                       "size": FeatureSpace.integer_categorical(output_mode="int")},
                      crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=8, output_mode="int")],
                      output_mode="dict")
    fs.adapt(Dataset.from_tensor_slices(CATEGORICAL))
    out = fs(CATEGORICAL)
    assert sorted(out) == ["color", "color_X_size", "size"]
    np.testing.assert_array_equal(_np(out["color"]), [[1], [1], [1], [2], [2], [3]])
    np.testing.assert_array_equal(_np(out["size"]), [[2], [2], [1], [1], [1], [3]])
    bins = _np(out["color_X_size"])
    assert bins.shape == (6, 1) and str(bins.dtype) == "int64" and ((bins >= 0) & (bins < 8)).all()
    assert bins[0, 0] == bins[1, 0]  # the same (color, size) pair hashes to the same bin


BASIC = {"f": np.array([0.0, 0.1, 0.2, 0.3], dtype="float32"),
         "s": np.array(["zero", "one", "two", "three"]),
         "i": np.array([0, 1, 2, 3], dtype="int64")}


def _basic(output_mode="concat"):
    fs = FeatureSpace({"f": "float_normalized", "s": "string_categorical", "i": "integer_categorical"},
                      crosses=[("s", "i")], output_mode=output_mode)
    fs.adapt(Dataset.from_tensor_slices(BASIC))
    return fs


def test_concat_puts_features_then_crosses_in_sorted_order(backend):
    # tf.keras's docstring example; tf_keras 2.21 gives a (4, 43) float32 result whose nonzero columns are
    # these (features f, i, s in sorted order, then the cross s_X_i in 32 bins).
    out = _basic()(BASIC)
    assert out.shape == (4, 43) and out.dtype == "float32"
    x = BASIC["f"]
    normed = (x - x.mean()) / x.std()
    i_index = [4, 3, 2, 1]   # vocabulary [-1, 3, 2, 1, 0]: equal counts, larger values first
    s_index = [1, 4, 2, 3]   # vocabulary ['[UNK]', 'zero', 'two', 'three', 'one']
    cross_bin = [21, 18, 27, 20]  # read off tf_keras 2.21
    expected = np.concatenate([normed[:, None], _one_hot(i_index, 5), _one_hot(s_index, 5),
                               _one_hot(cross_bin, 32)], axis=1)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5, atol=1e-6)


def test_one_sample_of_scalars_comes_back_without_a_batch_axis(backend):
    fs = _basic()
    batch = _np(fs(BASIC))
    one = fs({"f": 0.1, "s": "one", "i": 1})
    assert one.shape == (43,)
    np.testing.assert_allclose(_np(one), batch[1], rtol=1e-5, atol=1e-6)
    out = _basic("dict")({"f": 0.1, "s": "one", "i": 1})
    assert {k: tuple(v.shape) for k, v in out.items()} == {"f": (1,), "i": (5,), "s": (5,), "s_X_i": (32,)}
    # (batch, 1) columns give what (batch,) columns give.
    np.testing.assert_allclose(_np(fs({k: v[:, None] for k, v in BASIC.items()})), batch)


def test_symbolic_inputs_and_encoded_features(backend):
    fs = _basic()
    inputs = fs.get_inputs()
    assert sorted(inputs) == ["f", "i", "s"]
    assert {k: (v.shape, v.dtype) for k, v in inputs.items()} == {
        "f": ((None, 1), "float32"), "s": ((None, 1), "string"), "i": ((None, 1), "int64")}
    encoded = fs.get_encoded_features()
    assert encoded.shape == (None, 43) and fs.get_encoded_features() is encoded
    as_dict = _basic("dict").get_encoded_features()
    assert {k: v.shape for k, v in as_dict.items()} == {"f": (None, 1), "i": (None, 5), "s": (None, 5),
                                                       "s_X_i": (None, 32)}


def test_a_model_over_the_feature_space_trains(backend):
    rng = np.random.default_rng(0)
    n = 64
    data = {"f": rng.normal(size=n).astype("float32"), "s": rng.choice(["a", "b", "c"], size=n),
            "i": rng.integers(0, 4, size=n)}
    labels = ((data["f"] > 0) ^ (data["s"] == "a")).astype("float32")
    fs = FeatureSpace({"f": "float_normalized", "s": "string_categorical", "i": "integer_categorical"},
                      crosses=[("s", "i")])
    fs.adapt(Dataset.from_tensor_slices(data).batch(16))
    outputs = keras.layers.Dense(1, activation="sigmoid")(fs.get_encoded_features())
    model = keras.Model(fs.get_inputs(), outputs)
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    # The tutorial's way: a Dataset of (dict of rank-1 columns, label) into the model on the raw features.
    history = model.fit(Dataset.from_tensor_slices((data, labels)).batch(16), epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    # And training on the preprocessed data, the feature space mapped over the Dataset.
    preprocessed = Dataset.from_tensor_slices((data, labels)).batch(16).map(lambda x, y: (fs(x), y))
    head = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    head.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    losses = head.fit(preprocessed, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(model.predict(data, verbose=0)[:3],
                               _np(model.layers[-1](fs({k: v[:3] for k, v in data.items()}))), rtol=1e-5)


def test_the_tutorial_training_and_inference_models(backend):
    # tf.keras's FeatureSpace tutorial: a model from the encoded features trains on preprocessed data, and
    # a model from the raw inputs to the same predictions serves, with the same layers.
    rng = np.random.default_rng(1)
    n = 48
    data = {"age": rng.uniform(20, 70, size=n).astype("float32"), "sex": rng.integers(0, 2, size=n),
            "thal": rng.choice(["normal", "fixed", "reversible"], size=n)}
    labels = (data["age"] > 45).astype("float32")
    fs = FeatureSpace({"age": "float_discretized", "sex": "integer_categorical", "thal": "string_categorical"},
                      crosses=[FeatureSpace.cross(feature_names=("sex", "thal"), crossing_dim=8)],
                      num_discretization_bins=4)
    train_ds = Dataset.from_tensor_slices((data, labels)).batch(16)
    fs.adapt(train_ds.map(lambda x, _: x))
    encoded = fs.get_encoded_features()
    predictions = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(8, activation="relu")(encoded))
    training_model = keras.Model(inputs=encoded, outputs=predictions)
    training_model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    inference_model = keras.Model(inputs=fs.get_inputs(), outputs=predictions)
    losses = training_model.fit(train_ds.map(lambda x, y: (fs(x), y)), epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    sample = {"age": 60.0, "sex": 1, "thal": "fixed"}
    served = inference_model.predict({name: np.array([value]) for name, value in sample.items()}, verbose=0)
    trained = training_model.predict(_np(fs(sample))[None], verbose=0)
    np.testing.assert_allclose(served, trained, rtol=1e-5)


def test_config_round_trip(backend):
    fs = FeatureSpace({"f": "float_normalized", "s": FeatureSpace.string_categorical(max_tokens=10),
                       "h": FeatureSpace.integer_hashed(num_bins=4, output_mode="int")},
                      crosses=[FeatureSpace.cross(("s", "h"), crossing_dim=16)], output_mode="dict",
                      hashing_dim=8, num_discretization_bins=5)
    config = fs.get_config()
    assert config["crosses"] == [{"class_name": "Cross", "config": {
        "feature_names": ("s", "h"), "crossing_dim": 16, "output_mode": "one_hot"}}]
    assert config["features"]["s"]["config"]["preprocessor"]["class_name"] == "StringLookup"
    json.dumps(config)  # plain data, as tf.keras's `.keras` files hold it
    clone = FeatureSpace.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    assert (clone.output_mode, clone.hashing_dim, clone.num_discretization_bins) == ("dict", 8, 5)
    assert type(clone.preprocessors["s"]).__name__ == "StringLookup" and clone.preprocessors["s"].max_tokens == 10
    assert clone.crosses[0].feature_names == ("s", "h") and clone.crossers["s_X_h"].num_bins == 16
    data = {"f": np.array([1.0, 3.0], dtype="float32"), "s": np.array(["a", "b"]), "h": np.array([1, 2])}
    for space in (fs, clone):
        space.adapt(Dataset.from_tensor_slices(data))
    a, b = fs(data), clone(data)
    for name in a:
        np.testing.assert_allclose(_np(a[name]), _np(b[name]))


def test_a_tf_keras_config_loads(backend):
    # FeatureSpace(features={"f": "float_normalized", "h": FeatureSpace.string_hashed(num_bins=4)},
    # crosses=[("f", "h")], crossing_dim=8, output_mode="dict").get_config(), read off tf_keras 2.21.
    config = {'features': {'f': {'module': 'tf_keras.src.utils.feature_space',
                                 'class_name': 'Feature',
                                 'config': {'dtype': 'float32',
                                            'preprocessor': {'module': 'keras.layers',
                                                             'class_name': 'Normalization',
                                                             'config': {'name': 'f_preprocessor',
                                                                        'trainable': True,
                                                                        'dtype': 'float32',
                                                                        'axis': (-1,),
                                                                        'invert': False,
                                                                        'mean': None,
                                                                        'variance': None},
                                                             'registered_name': None},
                                            'output_mode': 'float'},
                                 'registered_name': 'Feature'},
                           'h': {'module': 'tf_keras.src.utils.feature_space',
                                 'class_name': 'Feature',
                                 'config': {'dtype': 'string',
                                            'preprocessor': {'module': 'keras.layers',
                                                             'class_name': 'Hashing',
                                                             'config': {'name': 'string_hashed_1_preprocessor',
                                                                        'trainable': True,
                                                                        'dtype': 'int64',
                                                                        'num_bins': 4,
                                                                        'salt': None,
                                                                        'mask_value': None,
                                                                        'output_mode': 'int',
                                                                        'sparse': False},
                                                             'registered_name': None},
                                            'output_mode': 'one_hot'},
                                 'registered_name': 'Feature'}},
              'output_mode': 'dict',
              'crosses': [{'module': 'tf_keras.src.utils.feature_space',
                           'class_name': 'Cross',
                           'config': {'feature_names': ('f', 'h'), 'crossing_dim': 8, 'output_mode': 'one_hot'},
                           'registered_name': 'Cross'}],
              'crossing_dim': 8,
              'hashing_dim': 32,
              'num_discretization_bins': 32}
    fs = FeatureSpace.from_config(config)
    assert [(type(p).__name__, p.name) for p in fs.preprocessors.values()] == [
        ("Normalization", "f_preprocessor"), ("Hashing", "string_hashed_1_preprocessor")]
    assert fs.preprocessors["h"].num_bins == 4 and fs.crossers["f_X_h"].num_bins == 8
    assert fs.output_mode == "dict" and fs.features["h"].output_mode == "one_hot"
    # A spec made without a name is named as tf.keras names it: its type, counted from 1.
    assert FeatureSpace.string_hashed(num_bins=4).preprocessor.name == "string_hashed_1_preprocessor"


def test_a_custom_feature(backend):
    layer = keras.layers.Rescaling(scale=0.5, name="halve")
    fs = FeatureSpace({"x": FeatureSpace.feature(dtype="float32", preprocessor=layer, output_mode="float")})
    assert fs.preprocessors["x"] is layer
    np.testing.assert_allclose(_np(fs({"x": [2.0, 4.0]})), [[1.0], [2.0]])
    # Integers given to a float feature are made floats, as its Input would make them in a model.
    np.testing.assert_allclose(_np(fs({"x": [2, 4]})), [[1.0], [2.0]])


# ---------------------------------------------------------------- errors
def test_errors_at_construction():
    with pytest.raises(ValueError, match=r"Invalid feature type: 'floaty' for feature 'a'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match=r"Invalid value for argument `output_mode`. Expected one of "
                                         r"\{'dict', 'concat'\}. Received: output_mode='list'"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match=r"Expected one of \{'int', 'one_hot', 'float'\}. "
                                         r"Received: output_mode='multi_hot'"):
        FeatureSpace.string_categorical(output_mode="multi_hot")
    with pytest.raises(ValueError, match=r"Expected one of \{'int', 'one_hot'\}. Received: output_mode='float'"):
        FeatureSpace.cross(("a", "b"), crossing_dim=4, output_mode="float")
    with pytest.raises(ValueError, match=r"should be present in the `features` dict. Received unknown "
                                         r"features: \('a', 'b'\)"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match=r"Received unknown features: \('a', 'c'\)"):
        FeatureSpace({"a": "float"}, crosses=[FeatureSpace.cross(("a", "c"), crossing_dim=4)])
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})


def test_calling_before_adapt_is_refused(backend):
    fs = FeatureSpace({"f": "float_normalized", "h": "string_hashed"})
    for use in (lambda: fs({"f": [1.0], "h": ["a"]}), fs.get_inputs, fs.get_encoded_features):
        with pytest.raises(ValueError, match=r"You need to call `.adapt\(dataset\)` on the FeatureSpace"):
            use()


def test_adapt_and_call_check_their_data(backend):
    fs = FeatureSpace({"f": "float_normalized", "s": "string_categorical"})
    with pytest.raises(ValueError, match=r"`adapt\(\)` can only be called on a kerasx.data.Dataset. "
                                         r"Received instead: .* \(of type dict\)"):
        fs.adapt({"f": [1.0]})
    with pytest.raises(ValueError, match=r"features \['s'\] are missing from the elements of the Dataset"):
        fs.adapt(Dataset.from_tensor_slices({"f": np.ones(3, dtype="float32")}))
    with pytest.raises(ValueError, match="needs a Dataset of dicts"):
        fs.adapt(Dataset.from_tensor_slices(np.ones(3, dtype="float32")))
    fs.adapt(Dataset.from_tensor_slices({"f": np.ones(3, dtype="float32"), "s": np.array(["a", "b", "c"])}))
    with pytest.raises(ValueError, match=r"features \['s'\] are missing from the dict the FeatureSpace was "
                                         r"called with. Expected a dict with keys \['f', 's'\]; received "
                                         r"keys \['f'\]"):
        fs({"f": [1.0]})
    with pytest.raises(ValueError, match="A FeatureSpace can only be called with a dict"):
        fs([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Feature 'f' should have shape \(\), \(batch,\) or \(batch, 1\). "
                                         r"Received: shape \(2, 2\)"):
        fs({"f": np.ones((2, 2), dtype="float32"), "s": ["a", "b"]})


def test_concat_refuses_features_left_as_integers(backend):
    fs = FeatureSpace({"s": FeatureSpace.string_categorical(output_mode="int")}, output_mode="concat")
    with pytest.raises(ValueError, match=r"Cannot concatenate features because feature 's' has not been "
                                         r"encoded \(it has dtype int64\). Consider using `output_mode='dict'`"):
        fs.adapt(Dataset.from_tensor_slices({"s": np.array(["a", "b"])}))
