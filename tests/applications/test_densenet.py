"""DenseNet121/169/201: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names, forward pass, heads, weights table, input checks, weights and model files."""
import hashlib

import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import densenet
from kerasx.backend import clear_session


def names_digest(model):
    """First 16 hex digits of the SHA-1 of the model's layer names joined by spaces, in order."""
    return hashlib.sha1(" ".join(layer.name for layer in model.layers).encode()).hexdigest()[:16]


# (architecture, kwargs, len(model.layers), count_params(), output shape, model name, names digest), read
# off tf_keras 2.21 after `tf_keras.backend.clear_session()`: `tf_keras.applications.<arch>(weights=None,
# **kwargs)`.
# The default (224, 224, 3) input gives the same counts as the (32, 32, 3) used here (tf_keras: 429 and
# 8062504 for DenseNet121(weights=None)); the small input keeps the symbolic build cheap.
REFERENCE = [
    ("DenseNet121", {"input_shape": (32, 32, 3)}, 429, 8062504, (None, 1000), "densenet121", "75bf2ea70585200e"),
    ("DenseNet169", {"input_shape": (32, 32, 3)}, 597, 14307880, (None, 1000), "densenet169", "51def621ac62b5a5"),
    ("DenseNet201", {"input_shape": (32, 32, 3)}, 709, 20242984, (None, 1000), "densenet201", "f3bbe6aec4a97690"),
    ("DenseNet121", {"include_top": False, "input_shape": (32, 32, 3)}, 427, 7037504, (None, 1, 1, 1024),
     "densenet121", "01ffdd7dcf2dbb07"),
    ("DenseNet169", {"include_top": False, "input_shape": (32, 32, 3)}, 595, 12642880, (None, 1, 1, 1664),
     "densenet169", "d7937329c2c49f74"),
    ("DenseNet201", {"include_top": False, "input_shape": (32, 32, 3)}, 707, 18321984, (None, 1, 1, 1920),
     "densenet201", "3c69d1ea87e702f1"),
]


@pytest.mark.parametrize("arch, kwargs, n_layers, n_params, out_shape, name, digest", REFERENCE)
def test_counts_and_names_match_tf_keras(arch, kwargs, n_layers, n_params, out_shape, name, digest):
    clear_session()  # the automatic names (zero_padding2d, ...) count from a fresh session, as tf_keras's
    model = getattr(applications, arch)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    assert names_digest(model) == digest
    names = [layer.name for layer in model.layers]
    assert names[2:5] == ["conv1/conv", "conv1/bn", "conv1/relu"]
    assert names[6] == "pool1" and "conv2_block1_0_bn" in names and "pool4_pool" in names
    tail = ["bn", "relu", "avg_pool", "predictions"] if kwargs.get("include_top", True) else ["bn", "relu"]
    assert names[-len(tail):] == tail


def test_forward_pass_and_preprocess(backend):
    model = applications.DenseNet121(weights=None, input_shape=(32, 32, 3), classes=4)
    images = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    x = densenet.preprocess_input(images.copy())
    # mode "torch": / 255, minus ImageNet's RGB mean, over its std (NumPy formula).
    expected = (images / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(x, expected.astype("float32"), rtol=1e-5, atol=1e-5)
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 4) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("pooling, shape, last", [("avg", (None, 1024), "avg_pool"),
                                                  ("max", (None, 1024), "max_pool")])
def test_feature_extractor_pooling(pooling, shape, last):
    model = applications.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3), pooling=pooling)
    assert tuple(model.output_shape) == shape and model.layers[-1].name == last
    # tf_keras 2.21: 428 layers, 7037504 parameters with pooling="avg" on (32, 32, 3) (and "max").
    assert len(model.layers) == 428 and model.count_params() == 7037504


def test_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(32, 32, 3))
    model = applications.DenseNet121(weights=None, input_tensor=tensor, classes=3, classifier_activation=None)
    assert tuple(model.output_shape) == (None, 3) and model.inputs[0] is tensor
    # tf_keras 2.21: DenseNet121(weights=None, input_shape=(32, 32, 3), classes=3) has 7040579 parameters.
    assert model.count_params() == 7040579
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_imagenet_weights_table(monkeypatch):
    base = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
    # File names and md5 hashes as tf_keras 2.21's densenet.py has them.
    table = {((6, 12, 24, 16), True): ("densenet121_weights_tf_dim_ordering_tf_kernels.h5",
                                      "9d60b8095a5708f2dcce2bca79d332c7"),
             ((6, 12, 24, 16), False): ("densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                       "30ee3e1110167f948a6b9946edeeb738"),
             ((6, 12, 32, 32), True): ("densenet169_weights_tf_dim_ordering_tf_kernels.h5",
                                      "d699b8f76981ab1b30698df4c175e90b"),
             ((6, 12, 32, 32), False): ("densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                       "b8c4d4c20dd625c148057b9ff1c1176b"),
             ((6, 12, 48, 32), True): ("densenet201_weights_tf_dim_ordering_tf_kernels.h5",
                                      "1ceb130c1ea1b78c3bf6114dbdfd8807"),
             ((6, 12, 48, 32), False): ("densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                       "c13680b51ded0fb44dff2d8f86ac8bb1")}
    for (blocks, include_top), (file_name, md5) in table.items():
        assert densenet.weights_file(blocks, include_top) == (file_name, base + file_name, md5)
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((model.name, weights, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(densenet.imagenet_utils, "load_application_weights", fake_load)
    applications.DenseNet169(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    notop169 = table[((6, 12, 32, 32), False)]
    assert seen == [("densenet169", "imagenet", notop169[0], base + notop169[0], notop169[1])]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.DenseNet121(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.DenseNet169(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.DenseNet121(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.DenseNet121(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        applications.DenseNet201(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.DenseNet121(weights="imagenet", classifier_activation="relu")
    with pytest.raises(ValueError, match=r"DenseNet201 only; Received blocks=\[1, 1, 1, 1\]"):
        densenet.DenseNet([1, 1, 1, 1], weights="imagenet")
    with pytest.raises(TypeError, match="alpha"):  # tf.keras's DenseNets take no **kwargs either
        applications.DenseNet121(weights=None, alpha=1.0)


def test_weights_model_and_json_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    source = densenet.DenseNet([1, 1, 1, 1], weights=None, input_shape=(32, 32, 3), classes=3)
    # tf_keras 2.21: densenet.DenseNet([1, 1, 1, 1], weights=None, input_shape=(32, 32, 3), classes=3).
    assert (source.name, len(source.layers), source.count_params()) == ("densenet", 51, 195855)
    path = str(tmp_path / "dn.h5")
    source.save_weights(path)  # layer names with "/" (conv1/conv) nest groups in the HDF5 file
    loaded = densenet.DenseNet([1, 1, 1, 1], weights=path, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    model_path = str(tmp_path / "dn_model.h5")
    source.save(model_path)
    np.testing.assert_allclose(models.load_model(model_path).predict(x, verbose=0), source.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    assert rebuilt.count_params() == source.count_params()


def test_decode_predictions_delegates(monkeypatch):
    calls = []
    monkeypatch.setattr(densenet.imagenet_utils, "decode_predictions",
                        lambda preds, top=5: calls.append((preds, top)) or "decoded")
    preds = np.zeros((1, 1000), "float32")
    assert densenet.decode_predictions(preds, top=3) == "decoded" and calls == [(preds, 3)]
