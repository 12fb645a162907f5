"""RegNet: tf.keras 2.21's layer and parameter counts and names (literals read off tf_keras with
weights=None), the configuration and weights tables, forward pass (logits, as tf.keras 2.x), heads,
config / weights / .h5 round trips and tf.keras's messages."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import imagenet_utils, regnet
from tests.applications.weights_layout import weights_layout_digest

# tf.keras's regnet.py tables, copied: sha256 (with top, without top) by the name's last four
# characters, and each variant's (depths, widths, group_width); block type X or Y from the name.
TF_KERAS_HASHES = {
    "x002": ("49fb46e56cde07fdaf57bffd851461a86548f6a3a4baef234dd37290b826c0b8",
             "5445b66cd50445eb7ecab094c1e78d4d3d29375439d1a7798861c4af15ffff21"),
    "x004": ("3523c7f5ac0dbbcc2fd6d83b3570e7540f7449d3301cc22c29547302114e4088",
             "de139bf07a66c9256f2277bf5c1b6dd2d5a3a891a5f8a925a10c8a0a113fd6f3"),
    "x006": ("340216ef334a7bae30daac9f414e693c136fac9ab868704bbfcc9ce6a5ec74bb",
             "a43ec97ad62f86b2a96a783bfdc63a5a54de02eef54f26379ea05e1bf90a9505"),
    "x008": ("8f145d6a5fae6da62677bb8d26eb92d0b9dfe143ec1ebf68b24a57ae50a2763d",
             "3c7e4b0917359304dc18e644475c5c1f5e88d795542b676439c4a3acd63b7207"),
    "x016": ("31c386f4c7bfef4c021a583099aa79c1b3928057ba1b7d182f174674c5ef3510",
             "1b8e3d545d190271204a7b2165936a227d26b79bb7922bac5ee4d303091bf17a"),
    "x032": ("6c025df1409e5ea846375bc9dfa240956cca87ef57384d93fef7d6fa90ca8c7f",
             "9cd4522806c0fcca01b37874188b2bd394d7c419956d77472a4e072b01d99041"),
    "x040": ("ba128046c588a26dbd3b3a011b26cb7fa3cf8f269c184c132372cb20b6eb54c1",
             "b4ed0ca0b9a98e789e05000e830403a7ade4d8afa01c73491c44610195198afe"),
    "x064": ("0f4489c3cd3ad979bd6b0324213998bcb36dc861d178f977997ebfe53c3ba564",
             "3e706fa416a18dfda14c713423eba8041ae2509db3e0a611d5f599b5268a46c4"),
    "x080": ("76320e43272719df648db37271a247c22eb6e810fe469c37a5db7e2cb696d162",
             "7b1ce8e29ceefec10a6569640ee329dba7fbc98b5d0f6346aabade058b66cf29"),
    "x120": ("5cafc461b78897d5e4f24e68cb406d18e75f31105ef620e7682b611bb355eb3a",
             "36174ddd0299db04a42631d028abcb1cc7afec2b705e42bd28fcd325e5d596bf"),
    "x160": ("8093f57a5824b181fb734ea21ae34b1f7ee42c5298e63cf6d587c290973195d2",
             "9d1485050bdf19531ffa1ed7827c75850e0f2972118a996b91aa9264b088fd43"),
    "x320": ("91fb3e6f4e9e44b3687e80977f7f4412ee9937c0c704232664fc83e4322ea01e",
             "9db7eacc37b85c98184070e1a172e6104c00846f44bcd4e727da9e50d9692398"),
    "y002": ("1e8091c674532b1a61c04f6393a9c570113e0197f22bd1b98cc4c4fe800c6465",
             "f63221f63d625b8e201221499682587bfe29d33f50a4c4f4d53be00f66c0f12c"),
    "y004": ("752fdbad21c78911bf1dcb8c513e5a0e14697b068e5d9e73525dbaa416d18d8e",
             "45e6ba8309a17a77e67afc05228454b2e0ee6be0dae65edc0f31f1da10cc066b"),
    "y006": ("98942e07b273da500ff9699a1f88aca78dfad4375faabb0bab784bb0dace80a9",
             "b70261cba4e60013c99d130cc098d2fce629ff978a445663b6fa4f8fc099a2be"),
    "y008": ("1b099377cc9a4fb183159a6f9b24bc998e5659d25a449f40c90cbffcbcfdcae4",
             "b11f5432a216ee640fe9be6e32939defa8d08b8d136349bf3690715a98752ca1"),
    "y016": ("b7ce1f5e223f0941c960602de922bcf846288ce7a4c33b2a4f2e4ac4b480045b",
             "d7404f50205e82d793e219afb9eb2bfeb781b6b2d316a6128c6d7d7dacab7f57"),
    "y032": ("6a6a545cf3549973554c9b94f0cd40e25f229fffb1e7f7ac779a59dcbee612bd",
             "eb3ac1c45ec60f4f031c3f5180573422b1cf7bebc26c004637517372f68f8937"),
    "y040": ("98d00118b335162bbffe8f1329e54e5c8e75ee09b2a5414f97b0ddfc56e796f6",
             "b5be2a5e5f072ecdd9c0b8a437cd896df0efa1f6a1f77e41caa8719b7dfcb05d"),
    "y064": ("65c948c7a18aaecaad2d1bd4fd978987425604ba6669ef55a1faa0069a2804b7",
             "885c4b7ed7ea339daca7dafa1a62cb7d41b1068897ef90a5a3d71b4a2e2db31a"),
    "y080": ("7a2c62da2982e369a4984d3c7c3b32d6f8d3748a71cb37a31156c436c37f3e95",
             "3d119577e1e3bf8d153b895e8ea9e4ec150ff2d92abdca711b6e949c3fd7115d"),
    "y120": ("a96ab0d27d3ae35a422ee7df0d789069b3e3217a99334e0ce861a96595bc5986",
             "4a6fa387108380b730b71feea2ad80b5224b5ea9dc21dc156c93fe3c6186485c"),
    "y160": ("45067240ffbc7ca2591313fee2f80dbdda6d66ec1a7451446f9a6d00d8f7ac6e",
             "ead1e6b568be8f34447ec8941299a9df4368736ba9a8205de5427fa20a1fb316"),
    "y320": ("b05e173e4ae635cfa22d06392ee3741284d17dadfee68f2aa6fd8cb2b7561112",
             "cad78f74a586e24c61d38be17f3ae53bb9674380174d2585da1a526b8c20e1fd"),
}
TF_KERAS_CONFIGS = {  # name: (depths, widths, group_width)
    "x002": ([1, 1, 4, 7], [24, 56, 152, 368], 8),
    "x004": ([1, 2, 7, 12], [32, 64, 160, 384], 16),
    "x006": ([1, 3, 5, 7], [48, 96, 240, 528], 24),
    "x008": ([1, 3, 7, 5], [64, 128, 288, 672], 16),
    "x016": ([2, 4, 10, 2], [72, 168, 408, 912], 24),
    "x032": ([2, 6, 15, 2], [96, 192, 432, 1008], 48),
    "x040": ([2, 5, 14, 2], [80, 240, 560, 1360], 40),
    "x064": ([2, 4, 10, 1], [168, 392, 784, 1624], 56),
    "x080": ([2, 5, 15, 1], [80, 240, 720, 1920], 120),
    "x120": ([2, 5, 11, 1], [224, 448, 896, 2240], 112),
    "x160": ([2, 6, 13, 1], [256, 512, 896, 2048], 128),
    "x320": ([2, 7, 13, 1], [336, 672, 1344, 2520], 168),
    "y002": ([1, 1, 4, 7], [24, 56, 152, 368], 8),
    "y004": ([1, 3, 6, 6], [48, 104, 208, 440], 8),
    "y006": ([1, 3, 7, 4], [48, 112, 256, 608], 16),
    "y008": ([1, 3, 8, 2], [64, 128, 320, 768], 16),
    "y016": ([2, 6, 17, 2], [48, 120, 336, 888], 24),
    "y032": ([2, 5, 13, 1], [72, 216, 576, 1512], 24),
    "y040": ([2, 6, 12, 2], [128, 192, 512, 1088], 64),
    "y064": ([2, 7, 14, 2], [144, 288, 576, 1296], 72),
    "y080": ([2, 4, 10, 1], [168, 448, 896, 2016], 56),
    "y120": ([2, 5, 11, 1], [224, 448, 896, 2240], 112),
    "y160": ([2, 4, 11, 1], [224, 448, 1232, 3024], 112),
    "y320": ([2, 5, 12, 1], [232, 696, 1392, 3712], 232),
}


def small_regnet(block_type="Y", **kwargs):
    """A RegNet with one or two blocks a stage, through the module's builder: every layer kind, cheap."""
    kwargs = {"include_top": False, "input_shape": (32, 32, 3), "weights": None, "model_name": "small", **kwargs}
    return regnet.RegNet([1, 1, 2, 1], [8, 16, 24, 32], 8, block_type, 224, **kwargs)


def test_configuration_tables_are_tf_keras_s():
    assert regnet.MODEL_CONFIGS == {
        name: {"depths": depths, "widths": widths, "group_width": group_width, "default_size": 224,
               "block_type": name[0].upper()}
        for name, (depths, widths, group_width) in TF_KERAS_CONFIGS.items()}
    assert regnet.WEIGHTS_HASHES == TF_KERAS_HASHES
    assert regnet.BASE_WEIGHTS_PATH == "https://storage.googleapis.com/tensorflow/keras-applications/regnet/"


def test_x002_counts_and_names_match_tf_keras():
    # tf_keras 2.21: RegNetX002(weights=None) -> 145 layers, 2705640 parameters, and the same for
    # input_shape=(32, 32, 3), built here because it is cheaper.
    model = applications.RegNetX002(weights=None, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        145, 2705640, (None, 1000), "regnetx002")
    names = [layer.name for layer in model.layers]
    assert names[:17] == [
        "input_1", "regnetx002_prestem_rescaling", "regnetx002_stem_conv", "regnetx002_stem_bn",
        "regnetx002_stem_relu", "regnetx002_Stage_0_XBlock_0_conv_1x1_1", "regnetx002_Stage_0_XBlock_0_conv_1x1_1_bn",
        "regnetx002_Stage_0_XBlock_0_conv_1x1_1_relu", "regnetx002_Stage_0_XBlock_0_conv_3x3",
        "regnetx002_Stage_0_XBlock_0_conv_3x3_bn", "regnetx002_Stage_0_XBlock_0_conv_3x3_relu",
        "regnetx002_Stage_0_XBlock_0_conv_1x1_2", "regnetx002_Stage_0_XBlock_0_skip_1x1",
        "regnetx002_Stage_0_XBlock_0_conv_1x1_2_bn", "regnetx002_Stage_0_XBlock_0_skip_bn", "tf.__operators__.add",
        "regnetx002_Stage_0_XBlock_0_exit_relu"]
    assert names[-4:] == ["tf.__operators__.add_12", "regnetx002_Stage_3_XBlock_6_exit_relu", "1_head_gap",
                          "1head_dense"]
    assert model.get_layer("regnetx002_Stage_2_XBlock_1_conv_3x3").groups == 152 // 8


# (variant, len(model.layers), count_params(), output shape) from tf_keras 2.21 for
# Variant(weights=None, include_top=False, input_shape=(32, 32, 3)). kerasx matched tf_keras on all 24
# variants when measured; the others give Y002 195 / 2814844, X002 143 / 2336640, X004 233 / 4809184,
# X008 173 / 6623968, X016 193 / 8320640, X032 263 / 14350112, X040 243 / 20833312, X064 183 /
# 24658464, X080 243 / 37742112, X120 203 / 43961440, X160 233 / 52340704, X320 243 / 105452576, Y006
# 223 / 5475920, Y008 209 / 5524056, Y016 391 / 10366102, Y032 307 / 17989498, Y040 321 / 19619928,
# Y064 363 / 29368684, Y080 251 / 37248812, Y120 279 / 49677928, Y160 265 / 80687956. Their builds cost
# 3-18 s each here, so the test builds a few, the largest included; the configuration test covers the
# rest (all variants share the code).
REFERENCE = [
    ("RegNetX006", 173, 5700320, (None, 1, 1, 528)),
    ("RegNetY004", 237, 3930296, (None, 1, 1, 440)),
    ("RegNetY320", 293, 141492058, (None, 1, 1, 3712)),
]


@pytest.mark.parametrize("variant, n_layers, n_params, out_shape", REFERENCE)
def test_feature_extractor_counts_match_tf_keras(variant, n_layers, n_params, out_shape):
    model = getattr(applications, variant)(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (n_layers, n_params, out_shape)
    assert model.name == variant.lower()
    assert model.layers[-1].name == f"{variant.lower()}_Stage_3_{variant[6]}Block_" \
        f"{regnet.MODEL_CONFIGS[variant[6:].lower()]['depths'][3] - 1}_exit_relu"


def test_y_blocks_names_and_counts_match_tf_keras():
    # tf_keras 2.21's src.applications.regnet.RegNet([1, 1, 2, 1], [8, 16, 24, 32], 8, "Y", 224,
    # model_name="small", include_top=True, classes=5, input_shape=(32, 32, 3)): 85 layers, 17543 parameters.
    model = small_regnet(include_top=True, classes=5)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (85, 17543, (None, 5))
    names = [layer.name for layer in model.layers]
    assert names[10:21] == [
        "small_Stage_0_YBlock_0_conv_3x3_relu", "small_Stage_0_YBlock_0_squeeze_and_excite_gap",
        "small_Stage_0_YBlock_0_squeeze_and_excite_squeeze", "small_Stage_0_YBlock_0_squeeze_and_excite_excite",
        "tf.math.multiply", "small_Stage_0_YBlock_0_conv_1x1_2", "small_Stage_0_YBlock_0_skip_1x1",
        "small_Stage_0_YBlock_0_conv_1x1_2_bn", "small_Stage_0_YBlock_0_skip_bn", "tf.__operators__.add",
        "small_Stage_0_YBlock_0_exit_relu"]
    assert names[62:69] == [
        "tf.math.multiply_3", "small_Stage_2_YBlock_1_conv_1x1_2", "small_Stage_2_YBlock_1_conv_1x1_2_bn",
        "tf.__operators__.add_3", "small_Stage_2_YBlock_1_exit_relu", "small_Stage_3_YBlock_0_conv_1x1_1",
        "small_Stage_3_YBlock_0_conv_1x1_1_bn"]
    assert names[-2:] == ["1_head_gap", "1head_dense"]
    # The squeeze goes to a quarter of the block's input channels (16 -> 4 in stage 2's first block).
    assert model.get_layer("small_Stage_2_YBlock_0_squeeze_and_excite_squeeze").filters == 4


def test_forward_pass_returns_logits_as_tf_keras(backend):
    model = small_regnet(include_top=True, classes=5)
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32 and np.all(np.isfinite(y))
    # tf.keras 2.x's Head is a Dense without activation: the Dense of the pooled features, no softmax.
    features = models.Model(model.inputs, model.get_layer("1_head_gap").output).predict(x, verbose=0)
    kernel, bias = model.get_layer("1head_dense").get_weights()
    np.testing.assert_allclose(y, features @ kernel + bias, rtol=1e-4, atol=1e-5)


def test_include_preprocessing_rescales_to_the_unit_range(backend):
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    with_pre = small_regnet(block_type="X", pooling="avg")
    without = small_regnet(block_type="X", pooling="avg", include_preprocessing=False)
    assert len(with_pre.layers) == len(without.layers) + 1
    without.set_weights(with_pre.get_weights())
    np.testing.assert_allclose(with_pre.predict(x, verbose=0), without.predict(x / 255.0, verbose=0),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("pooling, shape, last", [(None, (None, 1, 1, 32), "small_Stage_3_XBlock_0_exit_relu"),
                                                  ("avg", (None, 32), "global_average_pooling2d"),
                                                  ("max", (None, 32), "global_max_pooling2d")])
def test_feature_extractor_pooling(pooling, shape, last):
    # tf_keras 2.21: the X network above with pooling="avg": 64 layers, 16192 parameters.
    model = small_regnet(block_type="X", pooling=pooling)
    assert tuple(model.output_shape) == shape and model.layers[-1].name == last
    assert model.count_params() == 16192 and len(model.layers) == (63 if pooling is None else 64)


def test_classes_input_tensor_and_model_name():
    # tf_keras 2.21: RegNetY002(weights=None, include_preprocessing=False, classes=7, input_shape=(32, 32, 3),
    # model_name="rg") -> 196 layers, 2817427 parameters.
    tensor = layers.Input(shape=(32, 32, 3))
    model = applications.RegNetY002(weights=None, include_preprocessing=False, input_tensor=tensor, classes=7,
                                    model_name="rg")
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        196, 2817427, (None, 7), "rg")
    assert model.inputs[0] is tensor and model.layers[1].name == "rg_stem_conv"


def test_weights_table_matches_tf_keras(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((file_name, origin, file_hash))
        return model

    monkeypatch.setattr(regnet.imagenet_utils, "load_application_weights", fake_load)
    base = "https://storage.googleapis.com/tensorflow/keras-applications/regnet/"
    # The file depends on the model name and the top only: a small network stands in for the variants.
    small_regnet(block_type="X", weights="imagenet", model_name="regnetx016")
    small_regnet(weights="imagenet", model_name="regnety320", include_top=True, input_shape=None)
    applications.RegNetX002(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert seen == [("regnetx016_notop.h5", base + "regnetx016_notop.h5", TF_KERAS_HASHES["x016"][1]),
                    ("regnety320.h5", base + "regnety320.h5", TF_KERAS_HASHES["y320"][0]),
                    ("regnetx002_notop.h5", base + "regnetx002_notop.h5", TF_KERAS_HASHES["x002"][1])]


def test_weights_file_json_and_h5_round_trips(tmp_path):
    x = np.random.RandomState(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = small_regnet(include_top=True, classes=3)
    path = str(tmp_path / "regnet.weights.h5")
    source.save_weights(path)
    loaded = small_regnet(include_top=True, classes=3, weights=path)
    expected = source.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)

    rebuilt = models.model_from_json(source.to_json())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in source.layers]
    source.save(tmp_path / "regnet.h5")
    restored = models.load_model(tmp_path / "regnet.h5")
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_weights_file_layout_is_tf_keras_s(tmp_path):
    # tf_keras 2.21's src.applications.regnet.RegNet([1, 1, 2, 1], [8, 16, 24, 32], 8, "Y", 224, model_name="ry",
    # include_top=True, classes=5, input_shape=(64, 64, 3)).save_weights(...) writes 51 layers with
    # weights, of this digest. Loaded into kerasx, that tf_keras file (BatchNorm statistics moved off
    # their defaults) gave tf_keras's logits within 1.5e-6 (measured once; tests do not run tf_keras).
    model = regnet.RegNet([1, 1, 2, 1], [8, 16, 24, 32], 8, "Y", 224, model_name="ry", include_top=True, classes=5,
                          input_shape=(64, 64, 3), weights=None)
    model.save_weights(tmp_path / "ry.h5")
    assert weights_layout_digest(tmp_path / "ry.h5") == (
        "9a111bcb4f30b719fa519f9870dea71dcca8a9a348106b3d9b319d2e423f0303")


def test_errors_match_tf_keras():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.RegNetX002(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.RegNetX002(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.RegNetX002(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.RegNetX002(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        applications.RegNetY002(weights=None, alpha=1.0)
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        small_regnet(weights="imagenet", include_top=True, input_shape=None, classifier_activation="relu")
    with pytest.raises(ValueError, match=r"Input filters\(8\) and output filters\(16\) are not equal for stride 1"):
        regnet.XBlock(8, 16, 8, stride=1, name="b")(layers.Input((8, 8, 8)))
    with pytest.raises(ValueError, match="Block type `Z` not recognized"):
        regnet.RegNet([1, 1, 1, 1], [8, 8, 8, 8], 8, "Z", 224, weights=None)


def test_preprocess_input_is_the_identity_and_decode_delegates(monkeypatch):
    x = np.random.RandomState(3).uniform(0, 255, (1, 8, 8, 3)).astype("float32")
    assert regnet.preprocess_input(x) is x
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [9, 4]] = [0.5, 0.2]
    assert regnet.decode_predictions(preds, top=2) == [[("n00000009", "class_9", np.float32(0.5)),
                                                        ("n00000004", "class_4", np.float32(0.2))]]
