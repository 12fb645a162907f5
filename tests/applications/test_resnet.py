"""ResNet50/101/152 (`resnet`, and the `resnet50` module): tf.keras 2.21's layer and parameter counts
(literals read off tf_keras with weights=None), layer order, forward pass, heads, input checks and
messages, weights table and a weights file round trip."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import resnet, resnet50

# (architecture, kwargs, len(model.layers), count_params(), output shape, model name) from tf_keras 2.21,
# on 32x32 inputs (the convolutions' and the pooled head's parameters do not depend on the input size:
# tf_keras gives the same 25636712 for ResNet50(weights=None) at 224x224).
REFERENCE = [
    ("ResNet50", {"input_shape": (32, 32, 3)}, 177, 25636712, (None, 1000), "resnet50"),
    ("ResNet101", {"include_top": False, "input_shape": (32, 32, 3)}, 345, 42658176, (None, 1, 1, 2048),
     "resnet101"),
    ("ResNet152", {"include_top": False, "input_shape": (32, 32, 3)}, 515, 58370944, (None, 1, 1, 2048),
     "resnet152"),
]
# tf_keras 2.21's first 20 layers of ResNet50: layers come in the graph's depth order, so the block's
# projection shortcut (`_0_conv`) comes after the 3x3 convolution.
FIRST_NAMES = [
    "conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool", "conv2_block1_1_conv",
    "conv2_block1_1_bn", "conv2_block1_1_relu", "conv2_block1_2_conv", "conv2_block1_2_bn",
    "conv2_block1_2_relu", "conv2_block1_0_conv", "conv2_block1_3_conv", "conv2_block1_0_bn",
    "conv2_block1_3_bn", "conv2_block1_add", "conv2_block1_out", "conv2_block2_1_conv"]


@pytest.mark.parametrize("arch, kwargs, n_layers, n_params, out_shape, name", REFERENCE)
def test_counts_and_names_match_tf_keras(arch, kwargs, n_layers, n_params, out_shape, name):
    model = getattr(applications, arch)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    names = [layer.name for layer in model.layers]
    assert names[1:20] == FIRST_NAMES
    if kwargs.get("include_top", True):
        assert names[-3:] == ["conv5_block3_out", "avg_pool", "predictions"]
    else:
        assert names[-3:] == ["conv5_block3_3_bn", "conv5_block3_add", "conv5_block3_out"]
    assert len(set(names)) == len(names)


def test_forward_pass_and_preprocess(backend):
    model = applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=5)
    assert model.count_params() == 23597957  # tf_keras 2.21, same call
    x = resnet.preprocess_input(np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_preprocess_input_is_caffe_mode_and_resnet50_is_the_same_module():
    images = np.random.RandomState(2).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = images[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype="float32")  # BGR, means
    np.testing.assert_allclose(resnet.preprocess_input(images.copy()), expected, rtol=1e-6)
    assert resnet50.ResNet50 is resnet.ResNet50 is applications.ResNet50
    assert resnet50.preprocess_input is resnet.preprocess_input
    assert resnet50.decode_predictions is resnet.decode_predictions


def test_decode_predictions_delegates(monkeypatch):
    seen = []
    monkeypatch.setattr(resnet.imagenet_utils, "decode_predictions", lambda preds, top=5: seen.append(top) or "d")
    assert resnet.decode_predictions(np.zeros((1, 1000)), top=2) == "d" and seen == [2]


@pytest.mark.parametrize("pooling, shape, last", [
    (None, (None, None, None, 2048), "conv5_block3_out"), ("avg", (None, 2048), "avg_pool"),
    ("max", (None, 2048), "max_pool")])
def test_feature_extractor_pooling(pooling, shape, last):
    model = applications.ResNet50(weights=None, include_top=False, pooling=pooling)
    assert tuple(model.output_shape) == shape and model.layers[-1].name == last
    assert len(model.layers) == (175 if pooling is None else 176)  # tf_keras 2.21: 175, 176, 176


def test_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(40, 48, 3))
    model = applications.ResNet50(weights=None, input_tensor=tensor, classes=7, classifier_activation=None)
    # tf_keras 2.21, same call: 177 layers, 23602055 parameters
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (177, 23602055, (None, 7))
    assert model.inputs[0] is tensor and model.layers[-1].get_config()["activation"] == "linear"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.ResNet101(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.ResNet50(weights="imagenet", classes=3)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.ResNet152(weights=None, include_top=False, input_shape=(24, 24, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.ResNet50(weights="imagenet", include_top=False, input_shape=(64, 64, 4))
    with pytest.raises(ValueError, match=r"Unknown argument\(s\): \{'foo': 1\}"):  # tf_keras's message
        applications.ResNet50(weights=None, foo=1)
    with pytest.raises(ValueError, match="There are no ImageNet weights for `model_name=mine`"):
        resnet.ResNet(lambda x: x, False, True, "mine", include_top=False, input_shape=(32, 32, 3))


def test_imagenet_weights_table(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((model.name, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(resnet.imagenet_utils, "load_application_weights", fake_load)
    applications.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    applications.ResNet50(weights="imagenet")
    base = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
    assert seen == [  # tf_keras 2.21's resnet.py
        ("resnet50", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
         base + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "4d473c1dd8becc155b73f8504c6f6626"),
        ("resnet50", "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
         base + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107")]
    assert resnet.WEIGHTS_HASHES["resnet101"] == ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21")
    assert resnet.WEIGHTS_HASHES["resnet152"] == ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c")
    assert resnet.weights_file_name("resnet152", False) == "resnet152_weights_tf_dim_ordering_tf_kernels_notop.h5"


def _small_resnet(weights=None):
    # `resnet.ResNet` with one short v1 stack: the same builder, blocks and names as ResNet50's, at a
    # fraction of its build time (the strict backend runs each layer's placeholder probes slowly).
    return resnet.ResNet(lambda x: resnet.stack1(x, 8, 2, name="conv2"), False, True, "resnet_small",
                         weights=weights, input_shape=(32, 32, 3), classes=3)


def test_weights_file_and_config_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    source = _small_resnet()
    assert [layer.name for layer in source.layers][-6:] == [
        "conv2_block2_3_conv", "conv2_block2_3_bn", "conv2_block2_add", "conv2_block2_out", "avg_pool",
        "predictions"]
    path = str(tmp_path / "resnet_small.h5")
    source.save_weights(path)
    loaded = _small_resnet(weights=path)
    expected = source.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    rebuilt.set_weights(source.get_weights())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
