"""EfficientNetB0..B7: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names, initializers, the in-model Rescaling + Normalization (and the ImageNet-only
rescaling layer), forward pass, heads, checks and messages, weights files and hashes, saving."""
import math

import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import efficientnet, imagenet_utils
from kerasx.backend import image_data_format, set_image_data_format

# (variant, len(model.layers), count_params(), output shape) of EfficientNet<variant>(weights=None,
# input_shape=(32, 32, 3)) in tf_keras 2.21; the head follows a global pooling, so tf_keras gives the
# same figures at each variant's default size (checked there for B0..B7: 240/5330571, ..., 816/66658687).
REFERENCE = [
    ("B0", 240, 5330571, 1280), ("B1", 342, 7856239, 1280), ("B2", 342, 9177569, 1408),
    ("B3", 387, 12320535, 1536), ("B4", 477, 19466823, 1792), ("B5", 579, 30562527, 2048),
    ("B6", 669, 43265143, 2304), ("B7", 816, 66658687, 2560),
]
# include_top=False, input_shape=(32, 32, 3): (len(model.layers), count_params()) from tf_keras 2.21.
# (B1..B7: 339/6575239, 339/7768569, 384/10783535, 474/17673823, 576/28513527, 666/40960143, 813/64097687,
# each the model above less its avg_pool, top_dropout and predictions layers.)
NO_TOP = {"B0": (237, 4049571)}


@pytest.mark.parametrize("variant, n_layers, n_params, top_filters", REFERENCE)
def test_counts_and_names_match_tf_keras(monkeypatch, variant, n_layers, n_params, top_filters):
    # Counts do not depend on the initial values: zeros spare the truncated-normal draws of up to 66M
    # weights (the initializers themselves are checked in test_default_size_initializers_and_names).
    monkeypatch.setattr(efficientnet, "CONV_KERNEL_INITIALIZER", "zeros")
    model = getattr(applications, "EfficientNet" + variant)(weights=None, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (n_layers, n_params, (None, 1000))
    assert model.name == "efficientnet" + variant.lower() and model.get_layer("top_conv").filters == top_filters
    if variant in NO_TOP:
        features = getattr(applications, "EfficientNet" + variant)(weights=None, include_top=False,
                                                                   input_shape=(32, 32, 3))
        assert (len(features.layers), features.count_params()) == NO_TOP[variant]
        assert tuple(features.output_shape) == (None, 1, 1, top_filters)


def test_default_size_initializers_and_names():
    model = applications.EfficientNetB0(weights=None)
    # tf_keras 2.21, EfficientNetB0(weights=None): 240 layers, 5330571 parameters, 224x224 inputs.
    assert (len(model.layers), model.count_params(), tuple(model.input_shape)) == (240, 5330571, (None, 224, 224, 3))
    names = [layer.name for layer in model.layers]
    assert names[:17] == [
        "input_1", "rescaling", "normalization", "stem_conv_pad", "stem_conv", "stem_bn", "stem_activation",
        "block1a_dwconv", "block1a_bn", "block1a_activation", "block1a_se_squeeze", "block1a_se_reshape",
        "block1a_se_reduce", "block1a_se_expand", "block1a_se_excite", "block1a_project_conv", "block1a_project_bn"]
    assert names[-6:] == ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"]
    assert "block2b_drop" in names and "block2b_add" in names and "block2a_dwconv_pad" in names
    assert [w.name for w in model.get_layer("normalization").weights] == [
        "normalization/mean:0", "normalization/variance:0", "normalization/count:0"]
    assert model.get_layer("block7a_se_reduce").filters == 48  # max(1, int(192 * 0.25))
    conv = model.get_layer("stem_conv").get_config()["kernel_initializer"]
    assert conv["class_name"] == "VarianceScaling"
    assert {k: conv["config"][k] for k in ("scale", "mode", "distribution")} == {
        "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}
    dense = model.get_layer("predictions").get_config()["kernel_initializer"]["config"]
    assert (dense["scale"], dense["mode"], dense["distribution"]) == (1.0 / 3.0, "fan_out", "uniform")
    assert model.get_layer("block2b_drop").get_config()["noise_shape"] == (None, 1, 1, 1)
    np.testing.assert_allclose(model.get_layer("block2b_drop").rate, 0.2 * 2 / 16)  # drop_connect_rate * b / blocks


def test_forward_pass(backend):
    model = applications.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=5)
    # tf_keras 2.21: 240 layers, 4055976 parameters with 5 classes.
    assert (len(model.layers), model.count_params()) == (240, 4055976)
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    assert efficientnet.preprocess_input(x) is x


def test_imagenet_stem_rescales_as_tf_keras(monkeypatch, backend):
    seen = []
    monkeypatch.setattr(efficientnet.imagenet_utils, "load_application_weights",
                        lambda model, weights, file_name=None, origin=None, file_hash=None:
                        seen.append((file_name, origin, file_hash)) or model)
    model = applications.EfficientNetB0(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    # tf_keras 2.21: the ImageNet model has one more layer, the TFOpLambda "tf.math.multiply" (238 layers).
    assert len(model.layers) == 238 and [layer.name for layer in model.layers][1:5] == [
        "rescaling", "normalization", "tf.math.multiply", "stem_conv_pad"]
    assert seen == [("efficientnetb0_notop.h5", "https://storage.googleapis.com/keras-applications/"
                     "efficientnetb0_notop.h5", "50bc09e76180e00e4465e1a485ddc09d")]
    # With ImageNet's statistics in the Normalization (as the weights file sets them) the stem sees
    # (x / 255 - mean) / std from it, then tf.keras's extra 1 / sqrt(std).
    mean, std = np.array([0.485, 0.456, 0.406]), np.array(efficientnet.IMAGENET_STDDEV_RGB)
    model.get_layer("normalization").set_weights([mean.astype("float32"), (std ** 2).astype("float32"),
                                                  np.array(1000, dtype="int64")])
    stem = models.Model(model.inputs, model.get_layer("tf.math.multiply").output)
    x = np.random.RandomState(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(stem.predict(x, verbose=0), (x / 255 - mean) / std / np.sqrt(std), rtol=1e-5, atol=1e-5)


def test_imagenet_rescaling_is_per_channel_in_channels_first(monkeypatch):
    monkeypatch.setattr(efficientnet, "CONV_KERNEL_INITIALIZER", "zeros")
    monkeypatch.setattr(efficientnet.imagenet_utils, "load_application_weights", lambda model, *args: model)
    previous = image_data_format()
    set_image_data_format("channels_first")
    try:
        model = applications.EfficientNetB0(weights="imagenet", include_top=False, input_shape=(3, 32, 32))
        stem = models.Model(model.inputs, model.get_layer("tf.math.multiply").output)
        x = np.random.RandomState(4).uniform(0, 255, (1, 3, 32, 32)).astype("float32")
        scale = 1.0 / np.sqrt(np.array(efficientnet.IMAGENET_STDDEV_RGB)).reshape(1, 3, 1, 1)
        np.testing.assert_allclose(stem.predict(x, verbose=0), x / 255 * scale, rtol=1e-5, atol=1e-6)
    finally:
        set_image_data_format(previous)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 1280)), ("avg", (None, 1280)), ("max", (None, 1280))])
def test_feature_extractor_pooling(monkeypatch, pooling, shape):
    monkeypatch.setattr(efficientnet, "CONV_KERNEL_INITIALIZER", "zeros")
    model = applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3), pooling=pooling)
    assert tuple(model.output_shape) == shape
    assert model.layers[-1].name == {None: "top_activation", "avg": "avg_pool", "max": "max_pool"}[pooling]


def test_classes_activation_and_input_tensor(monkeypatch):
    monkeypatch.setattr(efficientnet, "CONV_KERNEL_INITIALIZER", "zeros")
    tensor = layers.Input(shape=(40, 48, 3))
    model = applications.EfficientNetB1(weights=None, input_tensor=tensor, classes=7, classifier_activation=None)
    assert tuple(model.output_shape) == (None, 7) and model.inputs[0] is tensor
    assert model.get_layer("predictions").get_config()["activation"] == "linear"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.EfficientNetB0(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.EfficientNetB0(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.EfficientNetB0(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.EfficientNetB0(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(240, 240, 3\)"):
        applications.EfficientNetB1(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'depth'"):
        applications.EfficientNetB0(weights=None, depth=3)


def test_weights_table():
    # File names and hashes as tf_keras 2.21's efficientnet.WEIGHTS_HASHES.
    assert efficientnet.weights_file("efficientnetb3", True) == (
        "efficientnetb3.h5", "ffd1fdc53d0ce67064dc6a9c7960ede0")
    assert efficientnet.weights_file("efficientnetb7", False) == (
        "efficientnetb7_notop.h5", "cbcfe4450ddf6f3ad90b1b398090fe4a")
    assert efficientnet.BASE_WEIGHTS_PATH == "https://storage.googleapis.com/keras-applications/"
    assert sorted(efficientnet.WEIGHTS_HASHES) == [f"b{i}" for i in range(8)]
    assert math.isclose(1.0 / math.sqrt(efficientnet.IMAGENET_STDDEV_RGB[0]), 2.0896918976428642)


def test_weights_file_json_and_h5_round_trips(tmp_path):
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = applications.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=3)
    source.get_layer("normalization").adapt(x)  # statistics that are not the initial 0 and 1
    expected = source.predict(x, verbose=0)
    path = str(tmp_path / "effnet.weights.h5")
    source.save_weights(path)
    loaded = applications.EfficientNetB0(weights=path, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    source.save(str(tmp_path / "effnet.h5"))
    restored = models.load_model(str(tmp_path / "effnet.h5"))
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_decode_predictions_delegates_to_imagenet_utils(monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [4, 8]] = (0.6, 0.4)
    assert efficientnet.decode_predictions(preds, top=2) == [[("n00000004", "class_4", 0.6),
                                                              ("n00000008", "class_8", 0.4)]]
