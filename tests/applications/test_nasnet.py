"""NASNetMobile and NASNetLarge: tf.keras 2.21's layer names (in order), layer and parameter counts
(literals read off tf_keras with weights=None), forward pass, heads, weights table, channels_first
handling, input checks and a weights file. NASNetLarge (85M parameters, 331x331 by default) is built
once, without its top on 32x32 inputs; its head is counted on its own."""
import hashlib
import logging

import numpy as np
import pytest

from kerasx import applications, layers
from kerasx.applications import nasnet
from kerasx.backend import clear_session, image_data_format, set_image_data_format


def names_digest(model):
    """First 16 hex digits of the SHA-1 of the model's layer names joined by spaces, in order."""
    return hashlib.sha1(" ".join(layer.name for layer in model.layers).encode()).hexdigest()[:16]


# (architecture, kwargs, len(model.layers), count_params(), output shape, names digest), read off
# tf_keras 2.21 after `tf_keras.backend.clear_session()`: `<arch>(weights=None, **kwargs)`.
# With the top: NASNetMobile() (224 x 224) 771 layers, 5326716 parameters, digest 525cb4e0290537c2 (as
# NASNetMobile(input_shape=(32, 32, 3))); NASNetLarge() (331 x 331) 1041, 88949818, 627c4d80de70d858.
REFERENCE = [
    ("NASNetMobile", {"include_top": False, "input_shape": (32, 32, 3)}, 769, 4269716, (None, 1, 1, 1056),
     "5055d1616b99c10c"),
    ("NASNetLarge", {"include_top": False, "input_shape": (32, 32, 3)}, 1039, 84916818, (None, 1, 1, 4032),
     "e84a038f8de19615"),
]


@pytest.mark.parametrize("arch, kwargs, n_layers, n_params, out_shape, digest", REFERENCE)
def test_counts_and_names_match_tf_keras(arch, kwargs, n_layers, n_params, out_shape, digest):
    clear_session()  # the cells' automatic names (activation_187, ...) count from a fresh session
    model = getattr(applications, arch)(weights=None, **kwargs)
    assert (len(model.layers), model.count_params(), tuple(model.output_shape), model.name) == (
        n_layers, n_params, out_shape, "NASNet")
    assert names_digest(model) == digest
    names = [layer.name for layer in model.layers]
    assert names[1:3] == ["stem_conv1", "stem_bn1"] and "reduction_concat_stem_1" in names
    assert "separable_conv_1_reduction_left4_stem_2" in names and "adjust_relu_1_stem_2" in names
    last_reduction = "reduce_4" if arch == "NASNetMobile" else "reduce_12"
    assert f"reduction_concat_{last_reduction}" in names and f"adjust_bn_{last_reduction}" in names


def test_nasnet_large_head_count():
    # tf_keras 2.21: NASNetLarge(weights=None, input_shape=(32, 32, 3)) has 88949818 parameters, the
    # feature extractor above 84916818; the difference is the Dense(1000) head on 4032 features.
    head = layers.Dense(1000)
    head.build((None, 4032))
    assert 84916818 + head.count_params() == 88949818


def test_forward_pass_weights_file_and_input_tensor(backend, tmp_path):
    clear_session()
    source = applications.NASNetMobile(weights=None, input_shape=(32, 32, 3), classes=3)
    # tf_keras 2.21 after clear_session(): NASNetMobile(weights=None, input_shape=(32, 32, 3), classes=3).
    assert (len(source.layers), source.count_params(), names_digest(source)) == (771, 4272887, "525cb4e0290537c2")
    images = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    x = nasnet.preprocess_input(images.copy())
    np.testing.assert_allclose(x, images / 127.5 - 1.0, rtol=1e-6, atol=1e-6)  # mode "tf"
    y = source.predict(x, verbose=0)
    assert y.shape == (2, 3) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    path = str(tmp_path / "nasnet_mobile.h5")
    source.save_weights(path)
    tensor = layers.Input(shape=(32, 32, 3))
    loaded = applications.NASNetMobile(weights=path, input_tensor=tensor, classes=3, classifier_activation=None)
    assert loaded.inputs[0] is tensor and loaded.layers[-1].get_config()["activation"] == "linear"
    logits = loaded.predict(x, verbose=0)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), y, rtol=1e-4, atol=1e-6)


def test_imagenet_weights_table_and_pooling(monkeypatch):
    seen = []

    def fake_load(model, weights, file_name=None, origin=None, file_hash=None):
        seen.append((weights, file_name, origin, file_hash))
        return model

    monkeypatch.setattr(nasnet.imagenet_utils, "load_application_weights", fake_load)
    model = applications.NASNetMobile(weights="imagenet", include_top=False, input_shape=(32, 32, 3), pooling="max")
    # tf_keras 2.21: 770 layers with pooling, output (None, 1056) ("avg" as "max").
    assert tuple(model.output_shape) == (None, 1056) and len(model.layers) == 770
    assert model.layers[-1].__class__.__name__ == "GlobalMaxPooling2D"
    base = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
    # As tf_keras 2.21's nasnet.py: the cached file names differ from the URLs'.
    assert seen == [("imagenet", "nasnet_mobile_no_top.h5", base + "NASNet-mobile-no-top.h5",
                     "1ed92395b5b598bdda52abe5c0dbfd63")]
    assert nasnet.WEIGHTS_FILES == {
        (224, True): ("nasnet_mobile.h5", base + "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
        (224, False): ("nasnet_mobile_no_top.h5", base + "NASNet-mobile-no-top.h5", "1ed92395b5b598bdda52abe5c0dbfd63"),
        (331, True): ("nasnet_large.h5", base + "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
        (331, False): ("nasnet_large_no_top.h5", base + "NASNet-large-no-top.h5", "d81d89dc07e6e56530c4e77faddd61b5")}


def test_channels_first_builds_channels_last_and_warns(caplog):
    set_image_data_format("channels_first")
    try:
        with caplog.at_level(logging.WARNING, logger="kerasx"):
            model = applications.NASNetMobile(weights=None, include_top=False, input_shape=(32, 32, 3))
        assert image_data_format() == "channels_first"  # restored
    finally:
        set_image_data_format("channels_last")
    assert 'only available for the input data format "channels_last"' in caplog.text
    assert tuple(model.input_shape) == (None, 32, 32, 3) and tuple(model.output_shape) == (None, 1, 1, 1056)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.NASNetMobile(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.NASNetLarge(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        applications.NASNetMobile(weights=None, include_top=False, input_shape=(31, 31, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        applications.NASNetMobile(weights="imagenet", include_top=False, input_shape=(32, 32, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        applications.NASNetMobile(weights="imagenet", input_shape=(331, 331, 3))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(331, 331, 3\)"):
        applications.NASNetLarge(weights="imagenet", input_shape=(224, 224, 3))
    with pytest.raises(ValueError, match=r"must be static \(no None entries\). Got: `input_shape=\(None, None, 3\)`"):
        applications.NASNetMobile(weights="imagenet", include_top=False, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="`penultimate_filters` must be a multiple of 24.*Current value: 1000"):
        nasnet.NASNet(penultimate_filters=1000, weights=None)
    with pytest.raises(ValueError, match="ImageNet weights can only be loaded with NASNetLarge or NASNetMobile"):
        nasnet.NASNet(weights="imagenet", include_top=False, default_size=128)
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
        applications.NASNetMobile(weights="imagenet", classifier_activation="relu")
    with pytest.raises(TypeError, match="alpha"):  # tf.keras's NASNets take no **kwargs either
        applications.NASNetMobile(weights=None, alpha=1.0)
