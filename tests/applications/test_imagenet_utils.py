"""keras.applications.imagenet_utils: preprocessing against NumPy formulas written here, the class index
served from 127.0.0.1, and the shared argument checks with tf.keras's messages."""
import hashlib
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx.applications import imagenet_utils
from kerasx.applications.imagenet_utils import ImageNetPreprocessing
from tests.layers.layer_test_utils import layer_test
from tests.utils.local_server import serve

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])
TORCH_MEAN = np.array([0.485, 0.456, 0.406])
TORCH_STD = np.array([0.229, 0.224, 0.225])


def expected(x, mode, channels_last=True):
    """tf.keras's documented preprocessing, in float64, channels last (others are moved there)."""
    x = np.asarray(x, dtype=np.float64)
    if not channels_last:
        x = np.moveaxis(x, -3, -1)
    if mode == "tf":
        y = x / 127.5 - 1.0
    elif mode == "torch":
        y = (x / 255.0 - TORCH_MEAN) / TORCH_STD
    else:
        y = x[..., ::-1] - CAFFE_MEAN_BGR
    return y if channels_last else np.moveaxis(y, -1, -3)


def images(shape, seed=0):
    return (np.random.default_rng(seed).random(shape) * 255).astype("float32")


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_numpy_input_follows_the_formula_in_place(mode):
    x = images((2, 5, 4, 3))
    original = x.copy()
    y = imagenet_utils.preprocess_input(x, mode=mode)
    np.testing.assert_allclose(y, expected(original, mode), rtol=1e-5, atol=1e-4)
    assert y.dtype == np.float32
    # tf.keras writes over a floating array (the docs' "use np.copy(x)" advice); in caffe mode through
    # its channel-reversed view, so the caller's array holds the result in RGB order.
    np.testing.assert_allclose(x, y[..., ::-1] if mode == "caffe" else y)


def test_integer_numpy_input_becomes_floatx_and_is_left_alone():
    x = (np.arange(2 * 3 * 3 * 3) % 256).astype("uint8").reshape(2, 3, 3, 3)
    y = imagenet_utils.preprocess_input(x, mode="tf")
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected(x, "tf"), rtol=1e-6, atol=1e-6)
    assert x.dtype == np.uint8 and x.max() > 1


@pytest.mark.parametrize("mode", ["caffe", "torch"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)])
def test_channels_first_batches_and_single_images(mode, shape):
    x = images(shape, seed=1)
    y = imagenet_utils.preprocess_input(x.copy(), data_format="channels_first", mode=mode)
    if len(shape) == 3:  # one image: channels on axis 0
        want = expected(x[None], mode, channels_last=False)[0]
    else:
        want = expected(x, mode, channels_last=False)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_tensor_and_symbolic_inputs_match_the_numpy_path(backend, mode):
    x = images((2, 4, 4, 3), seed=2)
    want = expected(x, mode)
    eager = imagenet_utils.preprocess_input(keras.backend.constant(x), mode=mode)
    np.testing.assert_allclose(eager.numpy(), want, rtol=1e-5, atol=1e-4)
    assert eager.dtype == "float32"
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
    assert isinstance(model.layers[-1], ImageNetPreprocessing)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-4)


def test_preprocessing_layer_checks_config_and_training(backend):
    x = images((2, 3, 3, 3), seed=3)
    layer_test(ImageNetPreprocessing, {"mode": "torch"}, x, expected_output=expected(x, "torch"), atol=1e-4)
    layer_test(ImageNetPreprocessing, {"mode": "caffe", "data_format": "channels_first"}, x,
               expected_output=expected(x, "caffe", channels_last=False), atol=1e-4)


def test_model_with_preprocessing_saves_and_loads(tmp_path):
    inputs = keras.Input((4, 4, 3))
    outputs = keras.layers.Dense(2)(imagenet_utils.preprocess_input(inputs, mode="torch"))
    model = keras.Model(inputs, outputs)
    x = images((3, 4, 4, 3), seed=4)
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_preprocess_input_errors():
    x = images((1, 2, 2, 3))
    with pytest.raises(ValueError, match="Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode=bgr"):
        imagenet_utils.preprocess_input(x, mode="bgr")
    with pytest.raises(ValueError, match="Expected data_format to be one of `channels_first` or `channels_last`. "
                                         "Received: data_format=nhwc"):
        imagenet_utils.preprocess_input(x, data_format="nhwc")
    with pytest.raises(ValueError, match="Received: mode=rgb"):
        ImageNetPreprocessing(mode="rgb")


@pytest.fixture
def served_class_index(tmp_path, monkeypatch):
    """tf.keras's class-index layout, 1000 entries, served from 127.0.0.1 with its own md5."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    www = tmp_path / "www"
    www.mkdir()
    body = json.dumps(index).encode()
    (www / "imagenet_class_index.json").write_bytes(body)
    monkeypatch.setenv("KERASX_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(body).hexdigest())
    with serve(www) as (url, server):
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", url + "imagenet_class_index.json")
        yield server, tmp_path / "home"


def test_decode_predictions_ranks_the_classes(served_class_index):
    server, home = served_class_index
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    preds[1, [0, 1]] = [0.1, 0.9]
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert [name for name, _, _ in decoded[0]] == ["n00000007", "n00000003", "n00000999"]
    assert decoded[0][0][1] == "class_7"
    np.testing.assert_allclose([s for _, _, s in decoded[0]], [0.5, 0.3, 0.2])
    assert [d for _, d, _ in decoded[1][:2]] == ["class_1", "class_0"]
    assert (home / "models" / "imagenet_class_index.json").exists()
    imagenet_utils.decode_predictions(keras.backend.constant(preds))  # cached: no second request
    assert server.requests == ["/imagenet_class_index.json"]


def test_decode_predictions_checks_the_shape_before_downloading(served_class_index):
    server, _ = served_class_index
    with pytest.raises(ValueError, match=r"expects a batch of predictions \(i.e. a 2D array of shape "
                                         r"\(samples, 1000\)\). Found array with shape: \(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    assert server.requests == []


def test_tf_keras_class_index_url_and_hash():
    assert imagenet_utils.CLASS_INDEX_PATH == (
        "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json")
    assert imagenet_utils.CLASS_INDEX_HASH == "c2c37ea517e94d9795004a39431a14cb"


def test_obtain_input_shape_defaults_and_checks():
    get = imagenet_utils.obtain_input_shape
    assert get(None, 224, 32, "channels_last", require_flatten=True) == (224, 224, 3)
    assert get(None, 224, 32, "channels_first", require_flatten=False) == (3, None, None)
    assert get((100, 120, 1), 224, 32, "channels_last", require_flatten=False) == (100, 120, 1)
    assert get(None, 299, 75, "channels_last", require_flatten=True, weights="imagenet") == (299, 299, 3)
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        get((128, 128, 3), 224, 32, "channels_last", require_flatten=True, weights="imagenet")
    with pytest.raises(ValueError, match=r"Input size must be at least 32x32; Received: input_shape=\(16, 64, 3\)"):
        get((16, 64, 3), 224, 32, "channels_last", require_flatten=False)
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        get((64, 64, 1), 224, 32, "channels_last", require_flatten=False, weights="imagenet")
    with pytest.raises(ValueError, match="`input_shape` must be a tuple of three integers"):
        get((64, 64), 224, 32, "channels_last", require_flatten=False)
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        get((None, None, 3), 224, 32, "channels_last", require_flatten=True)


@pytest.mark.parametrize("size, kernel, want", [
    (224, 3, ((0, 1), (0, 1))), (225, 3, ((1, 1), (1, 1))), (None, 3, ((0, 1), (0, 1))), (224, 5, ((1, 2), (1, 2))),
])
def test_correct_pad_matches_tensorflow_same_padding(size, kernel, want):
    inputs = keras.Input((size, size, 3))
    assert imagenet_utils.correct_pad(inputs, kernel) == want


def test_weights_and_activation_checks(tmp_path):
    imagenet_utils.validate_weights_argument(None, True, 10)
    imagenet_utils.validate_weights_argument("imagenet", False, 10)
    weights_file = tmp_path / "w.h5"
    weights_file.write_bytes(b"")
    imagenet_utils.validate_weights_argument(str(weights_file), True, 10)
    with pytest.raises(ValueError, match="The `weights` argument should be either `None` .* "
                                         "Received: weights=no_such_file.h5"):
        imagenet_utils.validate_weights_argument("no_such_file.h5", True, 1000)
    with pytest.raises(ValueError, match="`classes` should be 1000.  Received `classes=10`"):
        imagenet_utils.validate_weights_argument("imagenet", True, 10)
    imagenet_utils.validate_activation("relu", None)
    imagenet_utils.validate_activation("softmax", "imagenet")
    imagenet_utils.validate_activation(None, "imagenet")
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations are allowed .* "
                                         "Received: classifier_activation=sigmoid"):
        imagenet_utils.validate_activation("sigmoid", "imagenet")


def test_load_application_weights_from_a_file_and_from_the_cache(tmp_path, monkeypatch):
    def build():
        inputs = keras.Input((3,))
        return keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs))

    source = build()
    path = tmp_path / "weights.h5"
    source.save_weights(path)
    target = imagenet_utils.load_application_weights(build(), str(path))
    np.testing.assert_allclose(target.get_layer("head").get_weights()[0], source.get_layer("head").get_weights()[0])

    www = tmp_path / "www"
    www.mkdir()
    (www / "net.h5").write_bytes(path.read_bytes())
    monkeypatch.setenv("KERASX_HOME", str(tmp_path / "home"))
    with serve(www) as (url, _):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        downloaded = imagenet_utils.load_application_weights(build(), "imagenet", "net.h5", url + "net.h5", digest)
    np.testing.assert_allclose(downloaded.get_layer("head").get_weights()[1], source.get_layer("head").get_weights()[1])
    assert (tmp_path / "home" / "models" / "net.h5").exists()
    untouched = build()
    before = untouched.get_weights()
    imagenet_utils.load_application_weights(untouched, None)
    np.testing.assert_allclose(untouched.get_weights()[0], before[0])
