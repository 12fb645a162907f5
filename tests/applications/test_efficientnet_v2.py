"""EfficientNetV2B0..B3/S/M/L: tf.keras 2.21's layer and parameter counts (literals read off tf_keras
with weights=None), names, initializers, the in-model preprocessing (ImageNet's Normalization for the B
variants, [-1, 1] for the others), forward pass, heads, checks and messages, weights files and hashes,
saving."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import efficientnet_v2, imagenet_utils
from kerasx.backend import image_data_format, set_image_data_format

# (variant, len(model.layers), count_params()) of EfficientNetV2<variant>(weights=None,
# input_shape=(32, 32, 3)) in tf_keras 2.21, then the same with include_top=False, then with
# include_top=False and include_preprocessing=False (same parameters), those two built here for B0 and
# S. The head follows a global pooling, so tf_keras gives the same figures at the default sizes
# (checked there for B0..B3 and S: 273/7200312, ..., 516/21612360).
REFERENCE = [
    ("B0", 273, 7200312, 270, 5919312, 268, 1280), ("B1", 337, 8212124, 334, 6931124, 332, 1280),
    ("B2", 352, 10178374, 349, 8769374, 347, 1408), ("B3", 412, 14467622, 409, 12930622, 407, 1536),
    ("S", 516, 21612360, 513, 20331360, 512, 1280), ("M", 743, 54431388, 740, 53150388, 739, 1280),
    ("L", 1031, 119027848, 1028, 117746848, 1027, 1280),
]


@pytest.mark.parametrize("variant, n_layers, n_params, n_layers_no_top, n_params_no_top, n_layers_bare, top_filters",
                         REFERENCE)
def test_counts_and_names_match_tf_keras(monkeypatch, variant, n_layers, n_params, n_layers_no_top, n_params_no_top,
                                         n_layers_bare, top_filters):
    # Counts do not depend on the initial values: zeros spare the truncated-normal draws of up to 119M
    # weights (the initializers themselves are checked in test_default_size_initializers_and_names).
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    build = getattr(applications, "EfficientNetV2" + variant)
    model = build(weights=None, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (n_layers, n_params, (None, 1000))
    assert model.name == "efficientnetv2-" + variant.lower() and model.get_layer("top_conv").filters == top_filters
    if variant in ("B0", "S"):  # the feature extractors, with and without the preprocessing layers
        features = build(weights=None, include_top=False, input_shape=(32, 32, 3))
        assert (len(features.layers), features.count_params()) == (n_layers_no_top, n_params_no_top)
        assert tuple(features.output_shape) == (None, 1, 1, top_filters)
        bare = build(weights=None, include_top=False, input_shape=(32, 32, 3), include_preprocessing=False)
        assert (len(bare.layers), bare.count_params()) == (n_layers_bare, n_params_no_top)


def test_default_size_initializers_and_names():
    model = applications.EfficientNetV2B0(weights=None)
    # tf_keras 2.21, EfficientNetV2B0(weights=None): 273 layers, 7200312 parameters, 224x224 inputs.
    assert (len(model.layers), model.count_params(), tuple(model.input_shape)) == (273, 7200312, (None, 224, 224, 3))
    names = [layer.name for layer in model.layers]
    assert names[:15] == [
        "input_1", "rescaling", "normalization", "stem_conv", "stem_bn", "stem_activation", "block1a_project_conv",
        "block1a_project_bn", "block1a_project_activation", "block2a_expand_conv", "block2a_expand_bn",
        "block2a_expand_activation", "block2a_project_conv", "block2a_project_bn", "block2b_expand_conv"]
    assert names[-6:] == ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"]
    assert "block4a_dwconv2" in names and "block4a_se_excite" in names and "block2b_drop" in names
    norm = model.get_layer("normalization")
    assert norm.count_params() == 0 and norm.get_config()["mean"] == [0.485, 0.456, 0.406]
    np.testing.assert_allclose(norm.get_config()["variance"], [0.229 ** 2, 0.224 ** 2, 0.225 ** 2])
    assert model.get_layer("stem_bn").get_config()["momentum"] == 0.9
    conv = model.get_layer("block4a_dwconv2").get_config()["depthwise_initializer"]["config"]
    assert (conv["scale"], conv["mode"], conv["distribution"]) == (2.0, "fan_out", "truncated_normal")
    top = model.get_layer("predictions").get_config()
    assert top["bias_initializer"]["class_name"] == "Constant" and top["bias_initializer"]["config"]["value"] == 0
    assert top["kernel_initializer"]["config"]["distribution"] == "uniform"


@pytest.mark.parametrize("variant, expected", [
    ("B0", lambda x: (x / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])),
    ("S", lambda x: x / 128.0 - 1.0)])
def test_in_model_preprocessing_as_tf_keras(monkeypatch, backend, variant, expected):
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    model = getattr(applications, "EfficientNetV2" + variant)(weights=None, include_top=False, input_shape=(32, 32, 3))
    stem = models.Model(model.inputs, model.get_layer("stem_conv").input)
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(stem.predict(x, verbose=0), expected(x), rtol=1e-5, atol=1e-5)
    # Without three channels the B variants fall back to the [-1, 1] rescaling, as tf.keras.
    gray = getattr(applications, "EfficientNetV2" + variant)(weights=None, include_top=False, input_shape=(32, 32, 1))
    assert [type(layer).__name__ for layer in gray.layers[1:3]] == ["Rescaling", "Conv2D"]
    assert gray.layers[1].get_config()["scale"] == 1.0 / 128.0


def test_channels_first_normalizes_along_axis_1(monkeypatch, backend):
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    previous = image_data_format()
    set_image_data_format("channels_first")
    try:
        model = applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(3, 32, 32))
        assert model.get_layer("normalization").get_config()["axis"] == (1,)
        stem = models.Model(model.inputs, model.get_layer("stem_conv").input)
        x = np.random.RandomState(3).uniform(0, 255, (2, 3, 32, 32)).astype("float32")
        mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
        std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
        np.testing.assert_allclose(stem.predict(x, verbose=0), (x / 255 - mean) / std, rtol=1e-5, atol=1e-5)
        assert tuple(model.output_shape) == (None, 1280, 1, 1)
    finally:
        set_image_data_format(previous)


def test_forward_pass(backend):
    model = applications.EfficientNetV2B0(weights=None, input_shape=(32, 32, 3), classes=5)
    # tf_keras 2.21: 273 layers, 5925717 parameters with 5 classes.
    assert (len(model.layers), model.count_params()) == (273, 5925717)
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    assert efficientnet_v2.preprocess_input(x) is x


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 1280)), ("avg", (None, 1280)), ("max", (None, 1280))])
def test_feature_extractor_pooling(monkeypatch, pooling, shape):
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    model = applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3), pooling=pooling)
    assert tuple(model.output_shape) == shape
    assert model.layers[-1].name == {None: "top_activation", "avg": "avg_pool", "max": "max_pool"}[pooling]


def test_classes_activation_and_input_tensor(monkeypatch):
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    tensor = layers.Input(shape=(40, 48, 3))
    model = applications.EfficientNetV2B1(weights=None, input_tensor=tensor, classes=7, classifier_activation=None)
    assert tuple(model.output_shape) == (None, 7) and model.inputs[0] is tensor
    assert model.get_layer("predictions").get_config()["activation"] == "linear"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.EfficientNetV2B0(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.EfficientNetV2S(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.EfficientNetV2B0(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(480, 480, 3\)"):
        applications.EfficientNetV2L(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'depth'"):
        applications.EfficientNetV2B0(weights=None, depth=3)


def test_imagenet_weights_files_and_hashes(monkeypatch):
    seen = []
    monkeypatch.setattr(efficientnet_v2, "CONV_KERNEL_INITIALIZER", "zeros")
    monkeypatch.setattr(efficientnet_v2.imagenet_utils, "load_application_weights",
                        lambda model, weights, file_name=None, origin=None, file_hash=None:
                        seen.append((file_name, origin, file_hash)) or model)
    applications.EfficientNetV2S(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
    # File names and hashes as tf_keras 2.21's efficientnet_v2.WEIGHTS_HASHES.
    assert seen == [("efficientnetv2-s_notop.h5", base + "efficientnetv2-s_notop.h5",
                     "af0682fb74e8c54910f2d4393339c070")]
    assert efficientnet_v2.weights_file("efficientnetv2-b3", True) == (
        "efficientnetv2-b3.h5", "1f1fc43bd98a6e4fd8fdfd551e02c7a0")
    assert efficientnet_v2.weights_file("efficientnetv2-l", False) == (
        "efficientnetv2-l_notop.h5", "b0b66b5c863aef5b46e8608fe1711615")
    assert efficientnet_v2.weights_file("efficientnetv2-m", True) == (
        "efficientnetv2-m.h5", "a3bf6aa3276309f4fc6a34aa114c95cd")


def test_weights_file_json_and_h5_round_trips(tmp_path):
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = applications.EfficientNetV2B0(weights=None, input_shape=(32, 32, 3), classes=3)
    expected = source.predict(x, verbose=0)
    path = str(tmp_path / "effnetv2.weights.h5")
    source.save_weights(path)
    loaded = applications.EfficientNetV2B0(weights=path, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    source.save(str(tmp_path / "effnetv2.h5"))
    restored = models.load_model(str(tmp_path / "effnetv2.h5"))
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_decode_predictions_delegates_to_imagenet_utils(monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [1, 2]] = (0.3, 0.7)
    assert efficientnet_v2.decode_predictions(preds, top=2) == [[("n00000002", "class_2", 0.7),
                                                                 ("n00000001", "class_1", 0.3)]]
