"""MobileNetV2: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names, forward pass, heads, input checks and messages, weights file round trip."""
import numpy as np
import pytest

from kerasx import applications, layers
from kerasx.applications import mobilenet_v2

# (kwargs, len(model.layers), count_params(), output shape, model name) from tf_keras 2.21.
REFERENCE = [
    ({}, 156, 3538984, (None, 1000), "mobilenetv2_1.00_224"),
    ({"alpha": 0.35, "input_shape": (96, 96, 3)}, 156, 1691208, (None, 1000), "mobilenetv2_0.35_96"),
    ({"alpha": 1.4}, 156, 6156712, (None, 1000), "mobilenetv2_1.40_224"),
]


def test_feature_extractor_counts_match_tf_keras():
    model = applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3), alpha=0.35)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        154, 410208, (None, 2, 2, 1280), "mobilenetv2_0.35_64")
    assert [layer.name for layer in model.layers][-4:] == ["block_16_project_BN", "Conv_1", "Conv_1_bn", "out_relu"]


@pytest.mark.parametrize("kwargs, n_layers, n_params, out_shape, name", REFERENCE)
def test_counts_and_names_match_tf_keras(kwargs, n_layers, n_params, out_shape, name):
    model = applications.MobileNetV2(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["Conv1", "bn_Conv1", "Conv1_relu"]
    assert names[-4:] == ["Conv_1_bn", "out_relu", "global_average_pooling2d", "predictions"]
    assert "expanded_conv_depthwise" in names and "block_16_project_BN" in names and "block_2_add" in names


def test_forward_pass_and_preprocess(backend):
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=5)
    x = mobilenet_v2.preprocess_input(np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 1280)), ("avg", (None, 1280)),
                                            ("max", (None, 1280))])
def test_feature_extractor_pooling(pooling, shape):
    model = applications.MobileNetV2(weights=None, include_top=False, alpha=0.35, input_shape=(32, 32, 3),
                                     pooling=pooling)
    assert tuple(model.output_shape) == shape


def test_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(64, 64, 3))
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_tensor=tensor, classes=7,
                                     classifier_activation=None)
    assert tuple(model.output_shape) == (None, 7)
    assert model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear" and model.name == "mobilenetv2_0.35_224"
    no_top = applications.MobileNetV2(weights=None, include_top=False, alpha=0.35, input_tensor=layers.Input(
        shape=(96, 96, 3)))
    assert no_top.name == "mobilenetv2_0.35_None"  # tf.keras: rows of the (None, None, 3) feature input


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.MobileNetV2(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.MobileNetV2(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.MobileNetV2(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"alpha must be one of `0.35`, `0.50`.*Received `alpha=0.9`"):
        applications.MobileNetV2(weights="imagenet", alpha=0.9)
    with pytest.raises(ValueError, match="input_tensor.shape\\[2\\] must equal input_shape\\[1\\]"):
        applications.MobileNetV2(weights=None, input_shape=(64, 64, 3), input_tensor=layers.Input((64, 48, 3)))
    with pytest.raises(ValueError, match="Unknown argument"):
        applications.MobileNetV2(weights=None, depth=3)
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.MobileNetV2(weights="imagenet", include_top=True, alpha=0.35, input_shape=(96, 96, 3),
                                 classifier_activation="relu")


def test_imagenet_with_an_odd_shape_warns_before_download(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((file_name, origin))
        return model

    monkeypatch.setattr(mobilenet_v2.imagenet_utils, "load_application_weights", fake_load)
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\) will be loaded"):
        applications.MobileNetV2(weights="imagenet", include_top=False, alpha=0.35, input_shape=(64, 64, 3))
    applications.MobileNetV2(weights="imagenet", include_top=True, alpha=0.35, input_shape=(96, 96, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
    assert seen == [
        ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
         base + "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"),
        ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5",
         base + "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5")]
    assert mobilenet_v2.weights_file_name(1.3, 160, True) == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.3_160.h5"


def test_weights_file_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    source = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=3)
    path = str(tmp_path / "mnv2.h5")
    source.save_weights(path)
    loaded = applications.MobileNetV2(weights=path, alpha=0.35, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
