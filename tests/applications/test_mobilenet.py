"""MobileNet: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with weights=None),
names, forward pass, heads, imagenet checks, warning, weights file names and a weights file round trip."""
import numpy as np
import pytest

from kerasx import applications, layers
from kerasx.applications import mobilenet

# (kwargs, len(model.layers), count_params(), output shape, model name) from tf_keras 2.21.
REFERENCE = [
    ({}, 91, 4253864, (None, 1000), "mobilenet_1.00_224"),
    ({"alpha": 0.25, "input_shape": (128, 128, 3)}, 91, 475544, (None, 1000), "mobilenet_0.25_128"),
    ({"alpha": 0.5, "depth_multiplier": 2, "input_shape": (160, 160, 3)}, 91, 2159672, (None, 1000),
     "mobilenet_0.50_160"),
    ({"include_top": False, "alpha": 0.25, "input_shape": (64, 64, 3)}, 86, 218544, (None, 2, 2, 256),
     "mobilenet_0.25_64"),
]


@pytest.mark.parametrize("kwargs, n_layers, n_params, out_shape, name", REFERENCE)
def test_counts_and_names_match_tf_keras(kwargs, n_layers, n_params, out_shape, name):
    model = applications.MobileNet(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["conv1", "conv1_bn", "conv1_relu"]
    if kwargs.get("include_top", True):
        assert names[-4:] == ["dropout", "conv_preds", "reshape_2", "predictions"]
    else:
        assert names[-4:] == ["conv_dw_13_relu", "conv_pw_13", "conv_pw_13_bn", "conv_pw_13_relu"]
    assert "conv_pad_12" in names


def test_forward_pass_and_preprocess(backend):
    model = applications.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=4)
    x = mobilenet.preprocess_input(np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 256)), ("avg", (None, 256)), ("max", (None, 256))])
def test_feature_extractor_pooling(pooling, shape):
    model = applications.MobileNet(weights=None, include_top=False, alpha=0.25, input_shape=(32, 32, 3),
                                   pooling=pooling)
    assert tuple(model.output_shape) == shape


def test_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(64, 64, 3))
    model = applications.MobileNet(weights=None, alpha=0.25, input_tensor=tensor, classes=6,
                                   classifier_activation=None)
    assert tuple(model.output_shape) == (None, 6) and model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.MobileNet(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.MobileNet(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="depth multiplier must be 1.  Received depth_multiplier=2"):
        applications.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match=r"alpha can be one of`0.25`.*Received alpha=0.3"):
        applications.MobileNet(weights="imagenet", alpha=0.3)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.MobileNet(weights=None, include_top=False, input_shape=(31, 31, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.MobileNet(weights="imagenet", include_top=False, input_shape=(64, 64, 4))
    with pytest.raises(ValueError, match="Unknown argument"):
        applications.MobileNet(weights=None, width=3)


def test_imagenet_weights_file_names_and_warning(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((file_name, origin))
        return model

    monkeypatch.setattr(mobilenet.imagenet_utils, "load_application_weights", fake_load)
    with pytest.warns(UserWarning, match=r"`rows` is not in \[128, 160, 192, 224\]"):
        applications.MobileNet(weights="imagenet", include_top=False, alpha=0.25, input_shape=(96, 96, 3))
    applications.MobileNet(weights="imagenet", alpha=0.25, input_shape=(128, 128, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
    assert seen == [("mobilenet_2_5_224_tf_no_top.h5", base + "mobilenet_2_5_224_tf_no_top.h5"),
                    ("mobilenet_2_5_128_tf.h5", base + "mobilenet_2_5_128_tf.h5")]
    assert [mobilenet.weights_file_name(a, 192, True) for a in (1.0, 0.75, 0.5)] == [
        "mobilenet_1_0_192_tf.h5", "mobilenet_7_5_192_tf.h5", "mobilenet_5_0_192_tf.h5"]


def test_weights_file_round_trip(tmp_path):
    x = np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    source = applications.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=3)
    path = str(tmp_path / "mobilenet.h5")
    source.save_weights(path)
    loaded = applications.MobileNet(weights=path, alpha=0.25, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
