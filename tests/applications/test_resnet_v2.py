"""ResNet50V2/101V2/152V2: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), layer order and unnamed shortcut poolings, forward pass, heads, "tf"-mode
preprocessing, errors, weights table and a weights file round trip."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import resnet, resnet_v2

# (architecture, kwargs, len(model.layers), count_params(), output shape, model name) from tf_keras 2.21
# (ResNet50V2(weights=None) at 224x224 has the same 192 layers and 25613800 parameters).
REFERENCE = [
    ("ResNet50V2", {"input_shape": (32, 32, 3)}, 192, 25613800, (None, 1000), "resnet50v2"),
    ("ResNet101V2", {"include_top": False, "input_shape": (32, 32, 3)}, 377, 42626560, (None, 1, 1, 2048),
     "resnet101v2"),
    ("ResNet152V2", {"include_top": False, "input_shape": (32, 32, 3)}, 564, 58331648, (None, 1, 1, 2048),
     "resnet152v2"),
]
# tf_keras 2.21's layers 1..19 of ResNet50V2.
FIRST_NAMES = [
    "conv1_pad", "conv1_conv", "pool1_pad", "pool1_pool", "conv2_block1_preact_bn", "conv2_block1_preact_relu",
    "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu", "conv2_block1_2_pad",
    "conv2_block1_2_conv", "conv2_block1_2_bn", "conv2_block1_2_relu", "conv2_block1_0_conv",
    "conv2_block1_3_conv", "conv2_block1_out", "conv2_block2_preact_bn", "conv2_block2_preact_relu",
    "conv2_block2_1_conv"]


@pytest.mark.parametrize("arch, kwargs, n_layers, n_params, out_shape, name", REFERENCE)
def test_counts_and_names_match_tf_keras(arch, kwargs, n_layers, n_params, out_shape, name):
    model = getattr(applications, arch)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, name)
    names = [layer.name for layer in model.layers]
    assert names[1:20] == FIRST_NAMES
    tail = ["post_bn", "post_relu", "avg_pool", "predictions"]
    assert names[-4:] == (tail if kwargs.get("include_top", True) else ["conv5_block3_3_conv", "conv5_block3_out"]
                          + tail[:2])
    # The strided blocks' identity shortcuts: tf.keras leaves these three poolings unnamed.
    assert [n for n in names if n.startswith("max_pooling2d")] == ["max_pooling2d", "max_pooling2d_1",
                                                                    "max_pooling2d_2"]


def test_forward_pass_and_preprocess(backend):
    model = applications.ResNet50V2(weights=None, input_shape=(32, 32, 3), classes=5)
    assert model.count_params() == 23575045  # tf_keras 2.21, same call
    x = resnet_v2.preprocess_input(np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_preprocess_input_is_tf_mode_and_decode_delegates(monkeypatch):
    images = np.random.RandomState(2).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(resnet_v2.preprocess_input(images.copy()), images / 127.5 - 1.0, rtol=1e-6)
    seen = []
    monkeypatch.setattr(resnet_v2.imagenet_utils, "decode_predictions", lambda preds, top=5: seen.append(top) or "d")
    assert resnet_v2.decode_predictions(np.zeros((1, 1000)), top=4) == "d" and seen == [4]


@pytest.mark.parametrize("pooling, shape, last", [
    (None, (None, None, None, 2048), "post_relu"), ("avg", (None, 2048), "avg_pool"),
    ("max", (None, 2048), "max_pool")])
def test_feature_extractor_pooling(pooling, shape, last):
    model = applications.ResNet50V2(weights=None, include_top=False, pooling=pooling)
    assert tuple(model.output_shape) == shape and model.layers[-1].name == last
    assert len(model.layers) == (190 if pooling is None else 191)  # tf_keras 2.21: 190, 191, 191


def test_classes_activation_input_tensor_and_errors():
    tensor = layers.Input(shape=(32, 32, 3))
    model = applications.ResNet50V2(weights=None, input_tensor=tensor, classes=5, classifier_activation=None)
    assert model.inputs[0] is tensor and tuple(model.output_shape) == (None, 5)
    assert model.layers[-1].get_config()["activation"] == "linear"
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.ResNet50V2(weights="no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.ResNet152V2(weights="imagenet", classes=2)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.ResNet101V2(weights=None, include_top=False, input_shape=(32, 16, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument"):  # tf.keras's V2s take no **kwargs
        applications.ResNet50V2(weights=None, foo=1)


def test_imagenet_weights_table(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((model.name, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(resnet.imagenet_utils, "load_application_weights", fake_load)
    applications.ResNet50V2(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
    assert seen == [("resnet50v2", "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",  # tf_keras 2.21
                     base + "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     "fac2f116257151a9d068a22e544a4917")]
    assert resnet.WEIGHTS_HASHES["resnet101v2"] == ("6343647c601c52e1368623803854d971",
                                                    "c0ed64b8031c3730f411d2eb4eea35b5")
    assert resnet.WEIGHTS_HASHES["resnet152v2"] == ("a49b44d1979771252814e80f8ec446f9",
                                                    "ed17cf2e0169df9d443503ef94b23b33")


def test_weights_file_and_config_round_trip(tmp_path):
    # `resnet.ResNet` with one short v2 stack (strided last block: an unnamed shortcut pooling).
    def build(weights=None):
        return resnet.ResNet(lambda x: resnet.stack2(x, 8, 2, name="conv2"), True, True, "resnet_small_v2",
                             weights=weights, include_top=False, input_shape=(32, 32, 3), pooling="avg")

    x = np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    source = build()
    path = str(tmp_path / "resnet_small_v2.h5")
    source.save_weights(path)
    expected = source.predict(x, verbose=0)
    np.testing.assert_allclose(build(weights=path).predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    rebuilt.set_weights(source.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
