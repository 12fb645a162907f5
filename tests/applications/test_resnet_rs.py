"""ResNetRS50 ... ResNetRS420: tf.keras 2.21's layer and parameter counts (literals read off tf_keras with
weights=None), names (tf.keras's quirks included), built-in preprocessing, forward pass, heads, the
weights variants and their checks, and a weights file / config / .h5 model round trip.

Building the deep variants costs 20-50 s each here (1087 to 2255 layers), so their figures are checked
from ResNetRS50's own blocks: every block after a group's first is the same, so a variant's counts are
ResNetRS50's plus its extra blocks' (and one stochastic-depth Dropout layer per block where the
variant's drop_connect_rate is not 0), against tf_keras's literals."""
import numpy as np
import pytest

from kerasx import applications, layers, models
from kerasx.applications import resnet_rs

# tf_keras 2.21, include_top=False, input_shape=(32, 32, 3): (len(model.layers), count_params()).
NO_TOP_32 = {50: (271, 33696288), 101: (526, 61675296), 152: (781, 84724256), 200: (1087, 91337248),
             270: (1471, 128055520), 350: (1887, 162219360), 420: (2255, 190213216)}
# tf_keras 2.21's ResNetRS<depth> arguments to ResNetRS: (drop_connect_rate, dropout_rate).
RATES = {50: (0.0, 0.25), 101: (0.0, 0.25), 152: (0.0, 0.25), 200: (0.1, 0.25), 270: (0.1, 0.25),
         350: (0.1, 0.4), 420: (0.1, 0.4)}
REPEATS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3), 270: (4, 29, 53, 4),
           350: (4, 36, 72, 4), 420: (4, 44, 87, 4)}  # tf_keras's BLOCK_ARGS num_repeats
SMALL = [{"input_filters": 8, "num_repeats": 1}] * 2  # two one-block groups, for the builder's own checks
# tf_keras 2.21's layers 1..34 of ResNetRS50 (the `stem_1` prefix is the first `get_uid('stem_')`).
FIRST_NAMES = [
    "rescaling", "normalization", "zero_padding2d", "stem_1_stem_conv_1", "stem_1_stem_batch_norm_1",
    "stem_1_stem_act_1", "stem_1_stem_conv_2", "stem_1_stem_batch_norm_2", "stem_1_stem_act_2",
    "stem_1_stem_conv_3", "stem_1_stem_batch_norm_3", "stem_1_stem_act_3", "zero_padding2d_1",
    "stem_1_stem_conv_4", "stem_1_stem_batch_norm_4", "stem_1_stem_act_4", "BlockGroup2__block_0__conv_1",
    "BlockGroup2__block_0_batch_norm_1", "BlockGroup2__block_0__act_1", "BlockGroup2__block_0__conv_2",
    "BlockGroup2__block_0__batch_norm_2", "BlockGroup2__block_0__act_2", "BlockGroup2__block_0__conv_3",
    "BlockGroup2__block_0__batch_norm_3", "BlockGroup2__block_0__se_se_squeeze",
    "BlockGroup2__block_0__se_se_reshape", "BlockGroup2__block_0__se_se_reduce",
    "BlockGroup2__block_0__se_se_expand", "BlockGroup2__block_0__projection_conv",
    "BlockGroup2__block_0__se_se_excite", "BlockGroup2__block_0__projection_batch_norm", "add",
    "BlockGroup2__block_0__output_act", "BlockGroup2__block_1__conv_1"]


@pytest.fixture(scope="module")
def rs50():
    from kerasx.engine.naming import reset_names
    reset_names()
    return applications.ResNetRS50(weights=None, input_shape=(32, 32, 3), classes=5)


def test_resnet_rs50_matches_tf_keras(rs50):
    names = [layer.name for layer in rs50.layers]
    # tf_keras 2.21, same call: 274 layers, 33706533 parameters (35745288 with the 1000-class head).
    assert (len(names), rs50.count_params(), tuple(rs50.output_shape), rs50.name) == (
        274, 33706533, (None, 5), "resnet-rs-50")
    assert rs50.count_params() - 2048 * 5 - 5 == NO_TOP_32[50][1]
    assert names[1:35] == FIRST_NAMES and names[-4:] == [
        "BlockGroup5__block_2__output_act", "avg_pool", "top_dropout", "predictions"]
    assert sum(n.startswith("add") for n in names) == 16 and sum(n.startswith("zero_padding2d") for n in names) == 5
    assert [n for n in names if n.endswith("_projection_pooling")] == [
        f"BlockGroup{g}__block_0__projection_pooling" for g in (3, 4, 5)]
    assert not any(n.endswith("_drop") for n in names)  # ResNetRS50: drop_connect_rate 0
    norm = rs50.get_layer("normalization").get_config()
    np.testing.assert_allclose(norm["variance"], [0.229 ** 2, 0.224 ** 2, 0.225 ** 2])
    assert rs50.get_layer("BlockGroup2__block_0__conv_1").get_config()["kernel_initializer"]["config"] == {
        "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal", "seed": None}
    assert rs50.get_layer("stem_1_stem_batch_norm_1").get_config()["momentum"] == 0.0


@pytest.mark.parametrize("depth", sorted(NO_TOP_32))
def test_every_variant_matches_tf_keras(rs50, depth, monkeypatch):
    # What each variant passes on, recorded without building it...
    seen = {}
    monkeypatch.setattr(resnet_rs, "ResNetRS", lambda **kwargs: seen.update(kwargs) or "model")
    assert getattr(applications, f"ResNetRS{depth}")(weights=None) == "model"
    assert (seen["depth"], seen["model_name"], (seen["drop_connect_rate"], seen["dropout_rate"])) == (
        depth, f"resnet-rs-{depth}", RATES[depth])
    assert [a["num_repeats"] for a in resnet_rs.BLOCK_ARGS[depth]] == list(REPEATS[depth])
    # ...and its counts from ResNetRS50's blocks: one repeated block of each group, the extra blocks'
    # parameters and layers (15 each: the Add included), one Dropout per block with stochastic depth.
    n_layers, n_params = NO_TOP_32[50]
    for group, (extra, base) in enumerate(zip(REPEATS[depth], REPEATS[50]), start=2):
        block = [layer for layer in rs50.layers if layer.name.startswith(f"BlockGroup{group}__block_1_")]
        n_layers += (extra - base) * (len(block) + 1)
        n_params += (extra - base) * sum(layer.count_params() for layer in block)
    if RATES[depth][0]:
        n_layers += sum(REPEATS[depth])
    assert (n_layers, n_params) == NO_TOP_32[depth]


def test_deep_variant_builds_with_stochastic_depth():
    # ResNetRS101's layout with ResNetRS200's stochastic depth, a few blocks only: the Dropout layers
    # are named `_drop`, take the survival probability as their rate (as tf.keras) and drop whole
    # examples (noise_shape (None, 1, 1, 1)).
    model = resnet_rs.ResNetRS(depth=101, block_args=[{"input_filters": 8, "num_repeats": 2}] * 2,
                               drop_connect_rate=0.1, weights=None, include_top=False, input_shape=(32, 32, 3))
    drops = [layer for layer in model.layers if layer.name.endswith("_drop")]
    assert [d.name for d in drops] == ["BlockGroup2__block_0__drop", "BlockGroup2__block_1__drop",
                                       "BlockGroup3__block_0__drop", "BlockGroup3__block_1__drop"]
    assert [round(d.rate, 6) for d in drops] == [round(0.1 * 2 / 3, 6)] * 2 + [round(0.1 * 3 / 3, 6)] * 2
    assert tuple(drops[0].get_config()["noise_shape"]) == (None, 1, 1, 1)


def test_forward_pass_and_preprocessing(backend):
    model = applications.ResNetRS50(weights=None, input_shape=(32, 32, 3), classes=3)
    images = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert resnet_rs.preprocess_input(images) is images  # the model rescales and normalizes itself
    y = model.predict(images, verbose=0)
    assert y.shape == (2, 3) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    # The first layers' outputs: (x / 255 - mean) / std, a NumPy formula.
    head = models.Model(model.inputs, model.get_layer("normalization").output)
    expected = (images / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(head.predict(images, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_pooling_no_preprocessing_and_one_channel():
    # tf_keras 2.21, include_top=False, input_shape=(32, 32, 3), include_preprocessing=False: 269 layers,
    # 33696288 parameters; input_shape=(32, 32, 1): 270 layers (Rescaling, no Normalization), 33695712.
    model = applications.ResNetRS50(weights=None, include_top=False, input_shape=(32, 32, 1), pooling="max")
    assert (len(model.layers), model.count_params(), tuple(model.output_shape)) == (271, 33695712, (None, 2048))
    assert model.layers[1].name.startswith("rescaling") and model.layers[-1].name == "max_pool"
    assert not any(layer.name.startswith("normalization") for layer in model.layers)
    # Without preprocessing (a small ResNetRS, the same builder): the stem's padding comes first.
    tensor = layers.Input(shape=(32, 32, 3))
    bare = resnet_rs.ResNetRS(depth=50, block_args=SMALL, weights=None, include_top=False,
                              include_preprocessing=False, pooling="avg", input_tensor=tensor)
    assert bare.inputs[0] is tensor and tuple(bare.output_shape) == (None, 32)
    assert bare.layers[1].name.startswith("zero_padding2d") and bare.layers[-1].name == "avg_pool"
    assert not any(layer.name.startswith(("rescaling", "normalization")) for layer in bare.layers)


def test_weights_argument_and_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"For ResNetRS50 the following weight variants are available "
                                         r"\['imagenet-i160'\] \(default=highest\). Received weights=imagenet-i224"):
        applications.ResNetRS50(weights="imagenet-i224")
    with pytest.raises(ValueError, match=r"any of \['imagenet-i192', 'imagenet-i224', 'imagenet-i256'\] with "
                                         r"`include_top` as true, `classes` should be 1000. Received classes=4"):
        applications.ResNetRS152(weights="imagenet", classes=4)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.ResNetRS50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        applications.ResNetRS50(weights=None, alpha=1.0)
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((model.name, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(resnet_rs.imagenet_utils, "load_application_weights", fake_load)
    # As tf.keras: 'imagenet' is the largest-input variant, and it skips the 224x224 / 3-channel checks.
    # (ResNetRS50's own builder, on two small groups; test_every_variant_matches_tf_keras checks what
    # ResNetRS50 passes on.)
    for weights, include_top in (("imagenet", True), ("imagenet-i160", False)):
        resnet_rs.ResNetRS(depth=50, block_args=SMALL, model_name="resnet-rs-50", weights=weights,
                           include_top=include_top, input_shape=(32, 32, 3))
    base = "https://storage.googleapis.com/tensorflow/keras-applications/resnet_rs/"
    assert seen == [  # tf_keras 2.21's resnet_rs.py
        ("resnet-rs-50", "resnet-rs-50-i160.h5", base + "resnet-rs-50-i160.h5", "69d9d925319f00a8bdd4af23c04e4102"),
        ("resnet-rs-50", "resnet-rs-50-i160_notop.h5", base + "resnet-rs-50-i160_notop.h5",
         "90daa68cd26c95aa6c5d25451e095529")]
    assert resnet_rs.weights_file_name("resnet-rs-350", "imagenet-i320", False) == "resnet-rs-350-i320_notop.h5"
    assert resnet_rs.WEIGHT_HASHES["resnet-rs-420-i320.h5"] == "ae0eb9bed39e64fc8d7e0db4018dc7e8"
    assert len(resnet_rs.WEIGHT_HASHES) == 2 * sum(len(v) for v in resnet_rs.DEPTH_TO_WEIGHT_VARIANTS.values())


def test_decode_predictions_delegates(monkeypatch):
    seen = []
    monkeypatch.setattr(resnet_rs.imagenet_utils, "decode_predictions", lambda preds, top=5: seen.append(top) or "d")
    assert resnet_rs.decode_predictions(np.zeros((1, 1000)), top=1) == "d" and seen == [1]


def test_weights_file_config_and_h5_model_round_trip(tmp_path):
    # The full block (SE, stochastic-depth Dropout, ResNet-D projection) in two small groups.
    def build(weights=None):
        return resnet_rs.ResNetRS(depth=50, block_args=SMALL,
                                  drop_connect_rate=0.2, weights=weights, include_top=False,
                                  input_shape=(32, 32, 3), pooling="avg")

    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    source = build()
    expected = source.predict(x, verbose=0)
    path = str(tmp_path / "rs_small.weights.h5")
    source.save_weights(path)
    np.testing.assert_allclose(build(weights=path).predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = models.model_from_json(source.to_json())
    rebuilt.set_weights(source.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    source.save(str(tmp_path / "rs_small.h5"))
    loaded = models.load_model(str(tmp_path / "rs_small.h5"))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in source.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
