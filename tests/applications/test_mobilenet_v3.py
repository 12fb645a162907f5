"""MobileNetV3Small/Large: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names (the hard-swish's TFOpLambda layers included), the in-model rescaling, forward
pass, heads, input checks and messages, weights files and hashes, saving."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import imagenet_utils, mobilenet_v3
from kerasx.backend import clear_session

# (function, kwargs, len(model.layers), count_params(), output shape) from tf_keras 2.21; the model
# names are "MobilenetV3small" / "MobilenetV3large" throughout. The head is 1x1 convolutions after a
# global pooling, so tf_keras gives the same figures at 32x32 as at 224x224 (built there to save time).
S32 = {"input_shape": (32, 32, 3)}
REFERENCE = [
    ("MobileNetV3Small", {}, 239, 2554968, (None, 1000)),
    ("MobileNetV3Small", dict(S32, minimalistic=True), 110, 2056848, (None, 1000)),
    ("MobileNetV3Small", dict(S32, alpha=0.75), 239, 2051552, (None, 1000)),
    ("MobileNetV3Small", dict(S32, include_preprocessing=False), 238, 2554968, (None, 1000)),
    ("MobileNetV3Small", {"include_top": False, "input_shape": (64, 64, 3)}, 229, 939120, (None, 2, 2, 576)),
    ("MobileNetV3Small", dict(S32, minimalistic=True, classes=5, dropout_rate=0.0), 109, 1036973, (None, 5)),
    ("MobileNetV3Large", {}, 273, 5507432, (None, 1000)),
    ("MobileNetV3Large", dict(S32, minimalistic=True), 146, 3948688, (None, 1000)),
    ("MobileNetV3Large", dict(S32, alpha=1.25), 272, 8286760, (None, 1000)),
    ("MobileNetV3Large", dict(S32, include_top=False, pooling="avg"), 264, 2996352, (None, 960)),
    ("MobileNetV3Large", dict(S32, include_top=False, minimalistic=True, alpha=0.75), 139, 865520, (None, 1, 1, 720)),
]


@pytest.mark.parametrize("function, kwargs, n_layers, n_params, out_shape", REFERENCE)
def test_counts_and_names_match_tf_keras(function, kwargs, n_layers, n_params, out_shape):
    model = getattr(applications, function)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (n_layers, n_params, out_shape)
    assert model.name == "MobilenetV3" + function[len("MobileNetV3"):].lower()


def test_layer_names_follow_tf_keras():
    # tf_keras 2.21, MobileNetV3Small(weights=None): the stem's hard-swish, then the first block.
    names = [layer.name for layer in applications.MobileNetV3Small(weights=None).layers]
    assert names[:20] == [
        "input_1", "rescaling", "Conv", "Conv/BatchNorm", "tf.__operators__.add", "re_lu", "tf.math.multiply",
        "multiply", "expanded_conv/depthwise/pad", "expanded_conv/depthwise", "expanded_conv/depthwise/BatchNorm",
        "re_lu_1", "expanded_conv/squeeze_excite/AvgPool", "expanded_conv/squeeze_excite/Conv",
        "expanded_conv/squeeze_excite/Relu", "expanded_conv/squeeze_excite/Conv_1", "tf.__operators__.add_1",
        "re_lu_2", "tf.math.multiply_1", "expanded_conv/squeeze_excite/Mul"]
    assert names[-12:] == [
        "tf.math.multiply_26", "multiply_17", "global_average_pooling2d", "Conv_2", "tf.__operators__.add_27",
        "re_lu_32", "tf.math.multiply_27", "multiply_18", "dropout", "Logits", "flatten", "Predictions"]
    clear_session()
    minimal = [layer.name for layer in applications.MobileNetV3Small(weights=None, minimalistic=True,
                                                                     input_shape=(32, 32, 3)).layers]
    assert minimal[-10:] == ["Conv_1", "Conv_1/BatchNorm", "re_lu_22", "global_average_pooling2d", "Conv_2",
                             "re_lu_23", "dropout", "Logits", "flatten", "Predictions"]
    assert "expanded_conv_10/Add" in minimal and not any(n.startswith("tf.") for n in minimal)


def test_forward_pass_rescales_inside_the_model(backend):
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    model = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5)
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    # The same weights without the Rescaling layer take [-1, 1] inputs: x / 127.5 - 1 gives the same output.
    bare = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5,
                                         include_preprocessing=False)
    bare.set_weights(model.get_weights())
    np.testing.assert_allclose(bare.predict(x / 127.5 - 1.0, verbose=0), y, rtol=1e-4, atol=1e-6)
    assert mobilenet_v3.preprocess_input(x) is x


def test_hard_swish_is_x_relu6_x_plus_3_over_6(backend):
    inputs = layers.Input((4,))
    model = models.Model(inputs, mobilenet_v3._hard_swish(inputs))
    x = np.linspace(-5, 5, 8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(model.predict(x, verbose=0), x * np.clip(x + 3, 0, 6) / 6, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 576)), ("avg", (None, 576)), ("max", (None, 576))])
def test_feature_extractor_pooling(pooling, shape):
    model = applications.MobileNetV3Small(weights=None, include_top=False, minimalistic=True,
                                          input_shape=(32, 32, 3), pooling=pooling)
    assert tuple(model.output_shape) == shape
    assert model.layers[-1].name == {None: "re_lu_22", "avg": "avg_pool", "max": "max_pool"}[pooling]


def test_classes_activation_and_input_tensor():
    tensor = layers.Input(shape=(48, 40, 3))
    model = applications.MobileNetV3Large(weights=None, minimalistic=True, input_tensor=tensor, classes=7,
                                          classifier_activation=None)
    assert tuple(model.output_shape) == (None, 7) and model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear"
    assert model.layers[-2].name == "flatten" and model.get_layer("Logits").filters == 7


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.MobileNetV3Small(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.MobileNetV3Small(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match=r"Input size must be at least 32x32; Received `input_shape=\(31, 64, 3\)`"):
        applications.MobileNetV3Small(weights=None, input_shape=(31, 64, 3))
    with pytest.raises(ValueError, match="alpha can be one of `0.75`, `1.0` for non minimalistic"):
        applications.MobileNetV3Large(weights="imagenet", alpha=0.5)
    with pytest.raises(ValueError, match="or `1.0` for minimalistic only"):
        applications.MobileNetV3Large(weights="imagenet", alpha=0.75, minimalistic=True)
    with pytest.raises(ValueError, match=r"input_shape\[1\] must equal backend.int_shape\(input_tensor\)\[2\]"):
        applications.MobileNetV3Small(weights=None, input_shape=(64, 64, 3), input_tensor=layers.Input((64, 48, 3)))
    with pytest.raises(ValueError, match="is not type input_tensor"):
        applications.MobileNetV3Small(weights=None, input_tensor=[1, 2, 3])
    with pytest.raises(TypeError, match="unexpected keyword argument 'depth'"):
        applications.MobileNetV3Small(weights=None, depth=3)
    with pytest.warns(UserWarning, match="`rows` is not 224"), pytest.raises(
            ValueError, match="Only `None` and `softmax` activations"):
        applications.MobileNetV3Small(weights="imagenet", minimalistic=True, classifier_activation="relu")


def test_imagenet_weights_files_hashes_and_warning(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((file_name, origin, file_hash))
        return model

    monkeypatch.setattr(mobilenet_v3.imagenet_utils, "load_application_weights", fake_load)
    with pytest.warns(UserWarning, match=r"`rows` is not 224. Weights for input shape \(224, 224\)"):
        applications.MobileNetV3Small(weights="imagenet", include_top=False, minimalistic=True,
                                      input_shape=(64, 64, 3))
    applications.MobileNetV3Small(weights="imagenet", alpha=0.75, input_shape=(224, 224, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
    # File names and hashes as tf_keras 2.21's mobilenet_v3.WEIGHTS_HASHES.
    assert seen == [
        ("weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5",
         base + "weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5",
         "cde8136e733e811080d9fcd8a252f7e4"),
        ("weights_mobilenet_v3_small_224_0.75_float.h5", base + "weights_mobilenet_v3_small_224_0.75_float.h5",
         "cb65d4e5be93758266aa0a7f2c6708b7")]
    assert mobilenet_v3.weights_file("small", False, 1.0, True) == (
        "weights_mobilenet_v3_small_224_1.0_float.h5", "8768d4c2e7dee89b9d02b2d03d65d862")
    assert mobilenet_v3.weights_file("large", False, 0.75, True) == (
        "weights_mobilenet_v3_large_224_0.75_float.h5", "765b44a33ad4005b3ac83185abf1d0eb")
    assert mobilenet_v3.weights_file("large", True, 1.0, False) == (
        "weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5", "ec5221f64a2f6d1ef965a614bdae7973")


def test_weights_file_json_and_h5_round_trips(tmp_path):
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = applications.MobileNetV3Small(weights=None, alpha=0.75, input_shape=(32, 32, 3), classes=3)
    expected = source.predict(x, verbose=0)
    path = str(tmp_path / "mnv3.weights.h5")
    source.save_weights(path)
    loaded = applications.MobileNetV3Small(weights=path, alpha=0.75, input_shape=(32, 32, 3), classes=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    assert rebuilt.count_params() == source.count_params()
    source.save(str(tmp_path / "mnv3.h5"))
    restored = models.load_model(str(tmp_path / "mnv3.h5"))
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_decode_predictions_delegates_to_imagenet_utils(monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [3, 9]] = (0.25, 0.75)
    assert mobilenet_v3.decode_predictions(preds, top=2) == [[("n00000009", "class_9", 0.75),
                                                              ("n00000003", "class_3", 0.25)]]
