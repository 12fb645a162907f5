"""InceptionV3: tf.keras 2.21's layer names (in order), layer and parameter counts (literals read off
tf_keras with weights=None), forward pass, heads, weights table, input checks and a weights file."""
import hashlib

import numpy as np
import pytest

from kerasx import applications, layers
from kerasx.backend import clear_session
from kerasx.applications import inception_v3


def names_digest(model):
    """First 16 hex digits of the SHA-1 of the model's layer names joined by spaces, in order."""
    return hashlib.sha1(" ".join(layer.name for layer in model.layers).encode()).hexdigest()[:16]


# (kwargs, len(model.layers), count_params(), output shape, names digest), read off tf_keras 2.21 after
# `tf_keras.backend.clear_session()`: `InceptionV3(weights=None, **kwargs)`. With the default (299, 299, 3)
# input tf_keras gives 313 layers, 23851784 parameters and the same digest as the top rows here.
REFERENCE = [
    ({"input_shape": (75, 75, 3)}, 313, 23851784, (None, 1000), "043c3025c9fb10cd"),
    ({"include_top": False, "input_shape": (75, 75, 3)}, 311, 21802784, (None, 1, 1, 2048), "db945917005a62e8"),
    ({"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}, 312, 21802784, (None, 2048),
     "4221791fc60c7815"),
]


@pytest.mark.parametrize("kwargs, n_layers, n_params, out_shape, digest", REFERENCE)
def test_counts_and_names_match_tf_keras(kwargs, n_layers, n_params, out_shape, digest):
    clear_session()  # automatic names (conv2d_93, ...) count from a fresh session, as tf_keras's
    model = applications.InceptionV3(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, "inception_v3")
    assert names_digest(model) == digest
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["conv2d", "batch_normalization", "activation"] and "mixed9_1" in names


def test_forward_pass_and_preprocess(backend):
    model = applications.InceptionV3(weights=None, input_shape=(75, 75, 3), classes=3)
    # tf_keras 2.21: InceptionV3(weights=None, input_shape=(75, 75, 3), classes=3) has 21808931 parameters.
    assert model.count_params() == 21808931
    images = np.random.RandomState(0).uniform(0, 255, (1, 75, 75, 3)).astype("float32")
    x = inception_v3.preprocess_input(images.copy())
    np.testing.assert_allclose(x, images / 127.5 - 1.0, rtol=1e-6, atol=1e-6)  # mode "tf"
    y = model.predict(x, verbose=0)
    assert y.shape == (1, 3) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_max_pooling_classes_activation_and_input_tensor():
    model = applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3), pooling="max")
    assert tuple(model.output_shape) == (None, 2048) and model.layers[-1].__class__.__name__ == "GlobalMaxPooling2D"
    tensor = layers.Input(shape=(75, 75, 3))
    model = applications.InceptionV3(weights=None, input_tensor=tensor, classes=5, classifier_activation=None)
    assert tuple(model.output_shape) == (None, 5) and model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_imagenet_weights_table(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((weights, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(inception_v3.imagenet_utils, "load_application_weights", fake_load)
    applications.InceptionV3(weights="imagenet", include_top=False, input_shape=(75, 75, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    # As tf_keras 2.21's inception_v3.py.
    assert seen == [("imagenet", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     base + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     "bcbd6486424b2319ff4ef7d526e38f63")]
    assert inception_v3.WEIGHTS_PATH == base + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
    assert inception_v3.WEIGHTS_FILES[True][1] == "9a0d58056eeedaa3f26cb7ebd46da564"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.InceptionV3(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.InceptionV3(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 75x75"):
        applications.InceptionV3(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.InceptionV3(weights="imagenet", include_top=False, input_shape=(75, 75, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(299, 299, 3\)"):
        applications.InceptionV3(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        applications.InceptionV3(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.InceptionV3(weights="imagenet", classifier_activation="relu")
    with pytest.raises(TypeError, match="alpha"):  # tf.keras's InceptionV3 takes no **kwargs either
        applications.InceptionV3(weights=None, alpha=1.0)


def test_weights_file_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (1, 75, 75, 3)).astype("float32")
    source = applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3), pooling="avg")
    path = str(tmp_path / "iv3.h5")
    source.save_weights(path)
    loaded = applications.InceptionV3(weights=path, include_top=False, input_shape=(75, 75, 3), pooling="avg")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
