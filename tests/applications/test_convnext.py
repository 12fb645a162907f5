"""ConvNeXt: tf.keras 2.21's layer and parameter counts and names (literals read off tf_keras with
weights=None), LayerScale and StochasticDepth against NumPy, forward pass, heads, the weights table,
config / weights / .h5 round trips and tf.keras's messages."""
import json

import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import convnext, imagenet_utils
from tests.applications.weights_layout import weights_layout_digest
from tests.layers.layer_test_utils import layer_test

# A small ConvNeXt through the module's `ConvNeXt` builder: every layer kind of the family, cheap.
SMALL = {"depths": [1, 1, 2, 1], "projection_dims": [8, 16, 24, 32]}


def small_convnext(**kwargs):
    kwargs = {"include_top": False, "input_shape": (32, 32, 3), "weights": None, **kwargs}
    return convnext.ConvNeXt(**SMALL, **kwargs)


def test_tiny_counts_and_names_match_tf_keras():
    # tf_keras 2.21: ConvNeXtTiny(weights=None) -> 153 layers, 28589128 parameters, and the same for
    # input_shape=(32, 32, 3), built here because it is 50 times cheaper.
    model = applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        153, 28589128, (None, 1000), "convnext_tiny")
    names = [layer.name for layer in model.layers]
    assert names[:12] == [
        "input_1", "convnext_tiny_prestem_normalization", "convnext_tiny_stem",
        "convnext_tiny_stage_0_block_0_depthwise_conv", "convnext_tiny_stage_0_block_0_layernorm",
        "convnext_tiny_stage_0_block_0_pointwise_conv_1", "convnext_tiny_stage_0_block_0_gelu",
        "convnext_tiny_stage_0_block_0_pointwise_conv_2", "convnext_tiny_stage_0_block_0_layer_scale",
        "convnext_tiny_stage_0_block_0_identity", "tf.__operators__.add",
        "convnext_tiny_stage_0_block_1_depthwise_conv"]
    assert names[-4:] == ["tf.__operators__.add_17", "convnext_tiny_head_gap", "convnext_tiny_head_layernorm",
                          "convnext_tiny_head_dense"]
    assert "convnext_tiny_downsampling_block_2" in names
    assert [layer.name for layer in model.get_layer("convnext_tiny_stem").layers] == [
        "convnext_tiny_stem_conv", "convnext_tiny_stem_layernorm"]


# (variant, len(model.layers), count_params(), output shape) from tf_keras 2.21 for
# Variant(weights=None, include_top=False, input_shape=(32, 32, 3)). tf_keras gives for the same call
# Small 295 / 49454688, Base 295 / 87566464, Large 295 / 196230336 (kerasx matched them when measured),
# and with the top (224 x 224) Small 297 / 50223688, Base 297 / 88591464, Large 297 / 197767336,
# XLarge 297 / 350196968. Small, Base and Large have XLarge's layer list with narrower stages and cost
# 8-15 s each to build here, so the test builds the largest only; the configuration test covers the rest.
HEAVY = [
    ("ConvNeXtXLarge", 295, 348147968, (None, 1, 1, 2048)),
]


@pytest.mark.parametrize("variant, n_layers, n_params, out_shape", HEAVY)
def test_feature_extractor_counts_match_tf_keras(variant, n_layers, n_params, out_shape):
    model = getattr(applications, variant)(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (n_layers, n_params, out_shape)
    assert model.name == "convnext_" + variant[len("ConvNeXt"):].lower()
    assert model.layers[-1].name == "layer_normalization"
    assert model.layers[-2].name == "tf.__operators__.add_35"


def test_model_configs_are_tf_keras_s():
    assert convnext.MODEL_CONFIGS == {
        "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
        "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
        "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
        "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
        "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
    }


def test_drop_path_schedule_and_no_layer_scale_match_tf_keras():
    # tf_keras 2.21's src.applications.convnext.ConvNeXt(depths=[1, 1, 2, 1], projection_dims=[8, 16, 24,
    # 32], drop_path_rate=0.3, layer_scale_init_value=None, include_top=False, input_shape=(32, 32, 3),
    # model_name="small_one"): 42 layers, 31656 parameters, output (None, 1, 1, 32).
    model = small_convnext(drop_path_rate=0.3, layer_scale_init_value=None, model_name="small_one")
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (42, 31656, (None, 1, 1, 32))
    names = [layer.name for layer in model.layers]
    assert names[8:11] == ["small_one_stage_0_block_0_identity", "tf.__operators__.add",
                           "small_one_downsampling_block_0"]
    assert not any("layer_scale" in name for name in names)
    rates = [(layer.name, layer.drop_path_rate) for layer in model.layers
             if isinstance(layer, convnext.StochasticDepth)]
    assert [name for name, _ in rates] == ["small_one_stage_1_block_0_stochastic_depth",
                                           "small_one_stage_2_block_0_stochastic_depth",
                                           "small_one_stage_2_block_1_stochastic_depth",
                                           "small_one_stage_3_block_0_stochastic_depth"]
    np.testing.assert_allclose([rate for _, rate in rates], [0.075, 0.15, 0.225, 0.3])


def test_layer_scale_is_a_per_channel_product():
    x = np.random.RandomState(0).normal(size=(2, 3, 3, 4)).astype("float32")
    layer_test(convnext.LayerScale, kwargs={"init_values": 0.5, "projection_dim": 4}, input_data=x,
               reference_fn=lambda x, w: x * w[0], expected_weights=[("gamma", (4,))])
    layer = convnext.LayerScale(1e-6, 4)
    layer(x)
    np.testing.assert_array_equal(layer.get_weights()[0], np.full(4, 1e-6, dtype="float32"))


def test_stochastic_depth_drops_whole_samples_in_training(backend):
    layer = convnext.StochasticDepth(0.25)
    x = np.random.RandomState(0).uniform(1, 2, (400, 2, 2, 3)).astype("float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    kept = np.all(np.isclose(y, x / 0.75, rtol=1e-6), axis=(1, 2, 3))
    dropped = np.all(y == 0, axis=(1, 2, 3))
    assert np.all(kept | dropped)  # one draw per sample: all of it kept (and scaled) or all dropped
    assert 0.6 < kept.mean() < 0.9  # keep probability 0.75 (400 samples: about 6 sigma either side)
    config = layer.get_config()
    assert config["drop_path_rate"] == 0.25
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is convnext.StochasticDepth and rebuilt.get_config() == config


def test_stochastic_depth_only_in_training_inside_the_model(backend):
    # LayerScale starting at 1 (not 1e-6), so that dropping a branch shows in the output.
    model = small_convnext(include_top=True, classes=3, drop_path_rate=0.9, layer_scale_init_value=1.0)
    x = np.random.RandomState(4).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    inference = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model(x, training=False).numpy(), inference)
    first, second = model(x, training=True).numpy(), model(x, training=True).numpy()
    assert np.abs(first - second).max() > 1e-3  # 4 blocks x 8 samples of fresh draws
    assert np.abs(first - inference).max() > 1e-3
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, np.arange(8) % 3, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(model.get_layer("convnext_stage_0_block_0_layer_scale").get_weights()[0],
                              np.ones(8, dtype="float32"))


def test_forward_pass_with_the_top(backend):
    model = small_convnext(include_top=True, classes=5)
    assert [layer.name for layer in model.layers][-3:] == [
        "convnext_head_gap", "convnext_head_layernorm", "convnext_head_dense"]
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_include_preprocessing_is_imagenet_s_normalization(backend):
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    with_pre = small_convnext(include_top=True, classes=3)
    without = small_convnext(include_top=True, classes=3, include_preprocessing=False)
    assert len(with_pre.layers) == len(without.layers) + 1
    without.set_weights(with_pre.get_weights())
    mean = np.array([0.485, 0.456, 0.406], dtype="float32") * 255
    std = np.array([0.229, 0.224, 0.225], dtype="float32") * 255
    np.testing.assert_allclose(with_pre.predict(x, verbose=0), without.predict((x - mean) / std, verbose=0),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 32)), ("avg", (None, 32)), ("max", (None, 32))])
def test_feature_extractor_pooling(pooling, shape):
    model = small_convnext(pooling=pooling)
    assert tuple(model.output_shape) == shape and model.layers[-1].name == "layer_normalization"


def test_classes_activation_input_tensor_and_model_name():
    # tf_keras 2.21: ConvNeXtTiny(weights=None, classes=7, input_shape=(32, 32, 3), model_name="mine")
    # -> 153 layers, 27825511 parameters.
    tensor = layers.Input(shape=(32, 32, 3))
    model = applications.ConvNeXtTiny(weights=None, input_tensor=tensor, classes=7, classifier_activation=None,
                                      model_name="mine")
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        153, 27825511, (None, 7), "mine")
    assert model.inputs[0] is tensor
    assert model.layers[-1].get_config()["activation"] == "linear"


def test_one_channel_input_skips_the_normalization():
    # tf_keras 2.21: ConvNeXt (depths [1, 1, 2, 1], widths [8, 16, 24, 32]) without top on (32, 32, 1):
    # the PreStem only normalizes RGB, so one layer fewer than on (32, 32, 3).
    rgb, grey = small_convnext(), small_convnext(input_shape=(32, 32, 1))
    assert len(grey.layers) == len(rgb.layers) - 1
    assert not any(isinstance(layer, layers.Normalization) for layer in grey.layers)


def test_weights_table_matches_tf_keras(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((file_name, origin, file_hash))
        return model

    monkeypatch.setattr(convnext.imagenet_utils, "load_application_weights", fake_load)
    base = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
    # tf.keras's WEIGHTS_HASHES (convnext.py), (with top, without top) for each model name.
    hashes = {
        "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                          "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
        "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                           "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
        "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                          "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
        "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                           "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
        "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                            "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
    }
    assert convnext.WEIGHTS_HASHES == hashes
    for name, (_, notop_hash) in hashes.items():
        # The file depends on the model name and the top only: a small network stands in for each.
        seen.clear()
        small_convnext(weights="imagenet", model_name=name)
        assert seen == [(name + "_notop.h5", base + name + "_notop.h5", notop_hash)]
    seen.clear()
    convnext.ConvNeXt(**SMALL, weights="imagenet", model_name="convnext_large")
    assert seen == [("convnext_large.h5", base + "convnext_large.h5", hashes["convnext_large"][0])]
    seen.clear()
    applications.ConvNeXtTiny(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert seen == [("convnext_tiny_notop.h5", base + "convnext_tiny_notop.h5", hashes["convnext_tiny"][1])]


def test_weights_file_json_and_h5_round_trips(tmp_path):
    x = np.random.RandomState(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = small_convnext(include_top=True, classes=3, drop_path_rate=0.2)
    path = str(tmp_path / "convnext.weights.h5")
    source.save_weights(path)
    loaded = small_convnext(include_top=True, classes=3, drop_path_rate=0.2, weights=path)
    expected = source.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)

    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    assert isinstance(rebuilt.get_layer("convnext_stage_0_block_0_layer_scale"), convnext.LayerScale)
    assert rebuilt.get_layer("convnext_stage_3_block_0_stochastic_depth").drop_path_rate == pytest.approx(0.2)
    source.save(tmp_path / "convnext.h5")
    restored = models.load_model(tmp_path / "convnext.h5")
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_weights_file_layout_is_tf_keras_s(tmp_path):
    # tf_keras 2.21's src.applications.convnext.ConvNeXt(depths=[1, 1, 2, 1], projection_dims=[8, 16, 24, 32],
    # layer_scale_init_value=0.5, include_top=True, classes=5, input_shape=(64, 64, 3), model_name="cx")
    # .save_weights(...) writes 31 layers with weights, nested Sequentials' weights under their own
    # layer, of this digest. Loaded into kerasx, that tf_keras file gave tf_keras's predictions within
    # 1.8e-7 (measured once; tests do not run tf_keras).
    model = convnext.ConvNeXt(**SMALL, layer_scale_init_value=0.5, include_top=True, classes=5,
                              input_shape=(64, 64, 3), weights=None, model_name="cx")
    model.save_weights(tmp_path / "cx.h5")
    assert weights_layout_digest(tmp_path / "cx.h5") == (
        "acb6040c2ee41bd7c740217caf178cc901433dbd7f5ec22b1b7a04f421feb616")


def test_errors_match_tf_keras():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.ConvNeXtTiny(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.ConvNeXtTiny(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.ConvNeXtTiny(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        applications.ConvNeXtTiny(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        applications.ConvNeXtTiny(weights=None, alpha=1.0)
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        small_convnext(weights="imagenet", include_top=True, input_shape=None, classifier_activation="relu")


def test_preprocess_input_is_the_identity_and_decode_delegates(monkeypatch):
    x = np.random.RandomState(3).uniform(0, 255, (1, 8, 8, 3)).astype("float32")
    assert convnext.preprocess_input(x) is x
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [7, 3]] = [0.6, 0.3]
    assert convnext.decode_predictions(preds, top=2) == [[("n00000007", "class_7", np.float32(0.6)),
                                                          ("n00000003", "class_3", np.float32(0.3))]]
