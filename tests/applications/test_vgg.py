"""VGG16 and VGG19: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names, forward pass, heads, input checks and messages, weights table and a weights file
round trip."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import vgg16, vgg19

# (architecture, kwargs, len(model.layers), count_params(), output shape, model name) from tf_keras 2.21.
REFERENCE = [
    ("VGG16", {"include_top": False, "input_shape": (64, 64, 3)}, 19, 14714688, (None, 2, 2, 512), "vgg16"),
    ("VGG16", {"input_shape": (32, 32, 3), "classes": 5}, 23, 33617733, (None, 5), "vgg16"),
    ("VGG19", {"include_top": False, "input_shape": (64, 64, 3)}, 22, 20024384, (None, 2, 2, 512), "vgg19"),
]
# VGG16(weights=None) and VGG19(weights=None) in tf_keras 2.21: (layers, parameters). The tests build
# them on 32x32 inputs (a 138M-parameter build costs ~15 s here), where only fc1's kernel is smaller.
TOP_224 = {"VGG16": (23, 138357544), "VGG19": (26, 143667240)}
FC1_AT_224 = (7 * 7 - 1) * 512 * 4096  # the 224x224 flatten has 7x7x512 inputs, the 32x32 one 1x1x512


@pytest.mark.parametrize("arch, kwargs, n_layers, n_params, out_shape, name", REFERENCE)
def test_counts_and_names_match_tf_keras(arch, kwargs, n_layers, n_params, out_shape, name):
    model = getattr(applications, arch)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["block1_conv1", "block1_conv2", "block1_pool"]
    if kwargs.get("include_top", True):
        assert names[-5:] == ["block5_pool", "flatten", "fc1", "fc2", "predictions"]
    else:
        assert names[-2:] == ["block5_conv3" if arch == "VGG16" else "block5_conv4", "block5_pool"]


def test_vgg19_with_top_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(32, 32, 3))
    model = applications.VGG19(weights=None, input_tensor=tensor, classes=3, classifier_activation=None)
    predictions_at_1000 = 4096 * (1000 - 3) + (1000 - 3)
    assert (len(model.layers), model.count_params() + FC1_AT_224 + predictions_at_1000) == TOP_224["VGG19"]
    assert [layer.name for layer in model.layers][-7:] == [
        "block5_conv3", "block5_conv4", "block5_pool", "flatten", "fc1", "fc2", "predictions"]
    assert tuple(model.output_shape) == (None, 3) and model.inputs[0] is tensor and model.name == "vgg19"
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_forward_pass_and_preprocess(backend):
    model = applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=4)
    predictions_at_1000 = 4096 * (1000 - 4) + (1000 - 4)
    assert (len(model.layers), model.count_params() + FC1_AT_224 + predictions_at_1000) == TOP_224["VGG16"]
    x = vgg16.preprocess_input(np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 4) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_preprocess_input_is_caffe_mode():
    images = np.random.RandomState(2).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = images[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype="float32")  # BGR, means
    for module in (vgg16, vgg19):
        np.testing.assert_allclose(module.preprocess_input(images.copy()), expected, rtol=1e-6)
    first = np.transpose(images, (0, 3, 1, 2)).copy()
    np.testing.assert_allclose(vgg16.preprocess_input(first, data_format="channels_first"),
                               np.transpose(expected, (0, 3, 1, 2)), rtol=1e-6)


def test_decode_predictions_delegates(monkeypatch):
    seen = []
    monkeypatch.setattr(vgg16.imagenet_utils, "decode_predictions", lambda preds, top=5: seen.append(top) or "d")
    assert vgg16.decode_predictions(np.zeros((1, 1000)), top=3) == "d"
    assert vgg19.decode_predictions(np.zeros((1, 1000))) == "d"
    assert seen == [3, 5]


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 512)), ("avg", (None, 512)), ("max", (None, 512))])
def test_feature_extractor_pooling(pooling, shape):
    model = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling=pooling)
    assert tuple(model.output_shape) == shape
    assert len(model.layers) == (19 if pooling is None else 20)  # tf_keras 2.21: 19, 20, 20


def test_errors_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.VGG16(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.VGG19(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.VGG16(weights=None, include_top=False, input_shape=(31, 64, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        applications.VGG16(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        applications.VGG16(weights=None, input_shape=(None, None, 3))
    existing = tmp_path / "any.h5"
    existing.write_bytes(b"")  # the activation is refused before the file is read
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.VGG16(weights=str(existing), input_shape=(32, 32, 3), classifier_activation="relu")
    with pytest.raises(TypeError, match="unexpected keyword argument"):  # tf.keras's VGGs take no **kwargs
        applications.VGG16(weights=None, depth=3)


def test_imagenet_weights_table(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((model.name, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(vgg16.imagenet_utils, "load_application_weights", fake_load)
    applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    applications.VGG19(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/"
    assert seen == [  # tf_keras 2.21's vgg16.py / vgg19.py
        ("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
         base + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc"),
        ("vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
         base + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "253f8cb515780f3b799900260a226db6")]
    assert vgg16.WEIGHTS_PATH == base + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    assert vgg16.WEIGHTS_HASHES[0] == "64373286793e3c8b2b4e3219cbf3544b"
    assert vgg19.WEIGHTS_PATH == base + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
    assert vgg19.WEIGHTS_HASHES[0] == "cbe5617147190e668d6c5d5026f83318"


def test_weights_file_and_config_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    source = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    path = str(tmp_path / "vgg16.h5")
    source.save_weights(path)
    loaded = applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    expected = source.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    rebuilt.set_weights(source.get_weights())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
