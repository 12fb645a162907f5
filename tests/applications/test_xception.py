"""Xception: tf.keras 2.21's layer names (in order), layer and parameter counts (literals read off
tf_keras with weights=None), forward pass, heads, weights table, input checks and a weights file."""
import hashlib

import numpy as np
import pytest

from kerasx import applications, layers
from kerasx.applications import xception
from kerasx.backend import clear_session


def names_digest(model):
    """First 16 hex digits of the SHA-1 of the model's layer names joined by spaces, in order."""
    return hashlib.sha1(" ".join(layer.name for layer in model.layers).encode()).hexdigest()[:16]


# (kwargs, len(model.layers), count_params(), output shape, names digest), read off tf_keras 2.21 after
# `tf_keras.backend.clear_session()`: `Xception(weights=None, **kwargs)`. With the default (299, 299, 3)
# input tf_keras gives 134 layers, 22910480 parameters and the first row's digest.
REFERENCE = [
    ({"input_shape": (71, 71, 3)}, 134, 22910480, (None, 1000), "ef7c1d96612f6d9c"),
    ({"include_top": False, "input_shape": (71, 71, 3)}, 132, 20861480, (None, 3, 3, 2048), "9ce6e50b09f6c32f"),
    ({"include_top": False, "input_shape": (71, 71, 3), "pooling": "max"}, 133, 20861480, (None, 2048),
     "dc114c1dfe55211b"),
]


@pytest.mark.parametrize("kwargs, n_layers, n_params, out_shape, digest", REFERENCE)
def test_counts_and_names_match_tf_keras(kwargs, n_layers, n_params, out_shape, digest):
    clear_session()  # the residual branches' automatic names (conv2d_3, add_5, ...) count from a fresh session
    model = applications.Xception(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, "xception")
    assert names_digest(model) == digest
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["block1_conv1", "block1_conv1_bn", "block1_conv1_act"]
    assert "block2_sepconv1_act" not in names and "block12_sepconv3_bn" in names and "block13_pool" in names


def test_forward_pass_and_preprocess(backend):
    model = applications.Xception(weights=None, input_shape=(71, 71, 3), classes=3)
    # tf_keras 2.21: Xception(weights=None, input_shape=(71, 71, 3), classes=3) has 20867627 parameters.
    assert model.count_params() == 20867627
    images = np.random.RandomState(0).uniform(0, 255, (2, 71, 71, 3)).astype("float32")
    x = xception.preprocess_input(images.copy())
    np.testing.assert_allclose(x, images / 127.5 - 1.0, rtol=1e-6, atol=1e-6)  # mode "tf"
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 3) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_avg_pooling_classes_activation_and_input_tensor():
    model = applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3), pooling="avg")
    assert tuple(model.output_shape) == (None, 2048)
    assert model.layers[-1].__class__.__name__ == "GlobalAveragePooling2D"
    tensor = layers.Input(shape=(80, 80, 3))
    model = applications.Xception(weights=None, input_tensor=tensor, classes=5, classifier_activation=None)
    assert tuple(model.output_shape) == (None, 5) and model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_imagenet_weights_table(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((weights, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(xception.imagenet_utils, "load_application_weights", fake_load)
    applications.Xception(weights="imagenet", include_top=False, input_shape=(71, 71, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
    # As tf_keras 2.21's xception.py.
    assert seen == [("imagenet", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     base + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     "b0042744bf5b25fce3cb969f33bebb97")]
    assert xception.TF_WEIGHTS_PATH == base + "xception_weights_tf_dim_ordering_tf_kernels.h5"
    assert xception.WEIGHTS_FILES[True][1] == "0a58e3b7378bc2990ea3b43d5981f1f6"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.Xception(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.Xception(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 71x71"):
        applications.Xception(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.Xception(weights="imagenet", include_top=False, input_shape=(71, 71, 4))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(299, 299, 3\)"):
        applications.Xception(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.Xception(weights="imagenet", classifier_activation="sigmoid")
    with pytest.raises(TypeError, match="alpha"):  # tf.keras's Xception takes no **kwargs either
        applications.Xception(weights=None, alpha=1.0)


def test_weights_file_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (1, 71, 71, 3)).astype("float32")
    source = applications.Xception(weights=None, input_shape=(71, 71, 3), classes=2)
    path = str(tmp_path / "xception.h5")
    source.save_weights(path)
    loaded = applications.Xception(weights=path, input_shape=(71, 71, 3), classes=2)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
