"""InceptionResNetV2: tf.keras 2.21's layer names (in order), layer and parameter counts (literals read off
tf_keras with weights=None), forward pass, heads, weights table, input checks, a weights file, and the
CustomScaleLayer's config through JSON and an HDF5 model file. The full network costs ~5 s to build on
a CPU, so each test builds it at most twice and the serialization checks use one block."""
import hashlib

import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import inception_resnet_v2
from kerasx.backend import clear_session


def names_digest(model):
    """First 16 hex digits of the SHA-1 of the model's layer names joined by spaces, in order."""
    return hashlib.sha1(" ".join(layer.name for layer in model.layers).encode()).hexdigest()[:16]


class RecordingLayers:
    """A `layers=` namespace that counts which layer classes the architecture takes from it."""

    def __init__(self):
        self.used = set()

    def __getattr__(self, name):
        self.used.add(name)
        return getattr(layers, name)


def test_feature_extractor_counts_and_names_match_tf_keras():
    clear_session()  # the automatic names (conv2d_106, custom_scale_layer_39, ...) count from a fresh session
    recording = RecordingLayers()
    model = applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3),
                                           layers=recording)
    # tf_keras 2.21 after clear_session(): InceptionResNetV2(weights=None, include_top=False,
    # input_shape=(75, 75, 3)) has 780 layers, 54336736 parameters, output (None, 1, 1, 1536).
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        780, 54336736, (None, 1, 1, 1536), "inception_resnet_v2")
    assert names_digest(model) == "e3910cfca96131f2"
    names = [layer.name for layer in model.layers]
    assert names[-4:] == ["custom_scale_layer_39", "conv_7b", "conv_7b_bn", "conv_7b_ac"]
    assert {"mixed_5b", "block35_10_mixed", "block17_20_conv", "block8_9_ac", "mixed_7a"} <= set(names)
    assert "block8_10_ac" not in names  # the last block8 has no activation
    assert {"Input", "Conv2D", "BatchNormalization", "Activation", "Concatenate"} <= recording.used


def test_forward_pass_weights_file_and_input_tensor(backend, tmp_path):
    clear_session()
    source = applications.InceptionResNetV2(weights=None, input_shape=(75, 75, 3), classes=3)
    # tf_keras 2.21 after clear_session(): InceptionResNetV2(weights=None, input_shape=(75, 75, 3),
    # classes=3) has 782 layers and 54341347 parameters (the default 299 input, 1000 classes: 55873736),
    # and the same names as the 299 x 299 default.
    assert (len(source.layers), source.count_params(), names_digest(source)) == (782, 54341347, "98b5d902dbdef5d4")
    images = np.random.RandomState(0).uniform(0, 255, (2, 75, 75, 3)).astype("float32")
    x = inception_resnet_v2.preprocess_input(images.copy())
    np.testing.assert_allclose(x, images / 127.5 - 1.0, rtol=1e-6, atol=1e-6)  # mode "tf"
    y = source.predict(x, verbose=0)
    assert y.shape == (2, 3) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)

    path = str(tmp_path / "irv2.h5")
    source.save_weights(path)
    tensor = layers.Input(shape=(75, 75, 3))
    loaded = applications.InceptionResNetV2(weights=path, input_tensor=tensor, classes=3, classifier_activation=None)
    assert loaded.inputs[0] is tensor and loaded.layers[-1].get_config()["activation"] == "linear"
    logits = loaded.predict(x, verbose=0)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), y, rtol=1e-4, atol=1e-6)


def test_imagenet_weights_table_and_pooling(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((weights, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(inception_resnet_v2.imagenet_utils, "load_application_weights", fake_load)
    model = applications.InceptionResNetV2(weights="imagenet", include_top=False, input_shape=(75, 75, 3),
                                           pooling="max")
    # tf_keras 2.21: 781 layers with pooling; "avg" gives (None, 1536) as "max" does.
    assert tuple(model.output_shape) == (None, 1536) and len(model.layers) == 781
    assert model.layers[-1].__class__.__name__ == "GlobalMaxPooling2D"
    base = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
    # As tf_keras 2.21's inception_resnet_v2.py.
    assert seen == [("imagenet", "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     base + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     "d19885ff4a710c122648d3b5c3b684e4")]
    assert inception_resnet_v2.WEIGHTS_FILES[True] == ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                                                       "e693bd0210a403b3192acc6073ad2e96")


def test_custom_scale_layer_block_round_trips(backend, tmp_path):
    inputs = layers.Input(shape=(8, 8, 16))
    outputs = inception_resnet_v2.inception_resnet_block(inputs, scale=0.17, block_type="block35", block_idx=1)
    model = models.Model(inputs, outputs)
    scale_layer = [layer for layer in model.layers if isinstance(layer, inception_resnet_v2.CustomScaleLayer)]
    assert len(scale_layer) == 1 and scale_layer[0].get_config()["scale"] == 0.17
    x = np.random.RandomState(2).uniform(-1, 1, (2, 8, 8, 16)).astype("float32")
    # The layer itself: x + branch * scale (NumPy formula).
    a, b = x, np.random.RandomState(3).uniform(-1, 1, x.shape).astype("float32")
    np.testing.assert_allclose(np.asarray(scale_layer[0]([a, b])), a + b * 0.17, rtol=1e-6, atol=1e-6)
    expected = model.predict(x, verbose=0)
    rebuilt = models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "block35.h5")
    model.save(path)
    np.testing.assert_allclose(models.load_model(path).predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.InceptionResNetV2(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.InceptionResNetV2(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 75x75"):
        applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(71, 71, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.InceptionResNetV2(weights="imagenet", include_top=False, input_shape=(75, 75, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(299, 299, 3\)"):
        applications.InceptionResNetV2(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.InceptionResNetV2(weights="imagenet", classifier_activation="relu")
    with pytest.raises(ValueError, match=r"Unknown argument\(s\): \{'alpha': 1.0\}"):
        applications.InceptionResNetV2(weights=None, alpha=1.0)
    with pytest.raises(ValueError, match='Expects "block35", "block17" or "block8", but got: block9'):
        inception_resnet_v2.inception_resnet_block(layers.Input((8, 8, 4)), 0.1, "block9", 1)
