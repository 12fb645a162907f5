"""What every `keras.applications` architecture shares, as tf.keras 2.x's `imagenet_utils`.

`preprocess_input` works on NumPy arrays on the host (in place where the dtype allows, as tf.keras)
and on kerasx Tensors / symbolic inputs through `kerasx.ops`. `decode_predictions` reads ImageNet's
class index through `get_file` from tf.keras's URL. The `weights` checks and the weight loading that
tf.keras repeats in every architecture module are written once here (`validate_weights_argument`,
`load_application_weights`), with tf.keras's messages.
"""
import json
import os

import numpy as np  # host-side: preprocess_input and decode_predictions take user NumPy arrays

from kerasx import activations, ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.backend import floatx, image_data_format
from kerasx.engine.base_layer import Layer
from kerasx.engine.keras_tensor import KerasTensor
from kerasx.utils.file_utils import get_file

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scales a batch of images (values in [0, 255]) as the ImageNet weights of an architecture expect.

    mode "caffe": RGB to BGR, then each channel zero-centred by ImageNet's means, without scaling;
    "tf": scaled to [-1, 1]; "torch": scaled to [0, 1], then normalised by ImageNet's mean and std.
    NumPy arrays are written over when their dtype is floating, as in tf.keras (use `numpy.copy(x)`
    to keep them).
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy_input(x, data_format, mode)
    if isinstance(x, KerasTensor):
        # tf.keras records the ops as TFOpLambda layers; kerasx records one layer that saves and loads.
        return ImageNetPreprocessing(mode=mode, data_format=data_format)(x)
    return _preprocess_tensor_input(x, data_format, mode)


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess_numpy_input(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=axis)
        mean, std = _CAFFE_MEAN, None
    shape = [1] * x.ndim
    shape[axis] = 3
    x -= np.asarray(mean, dtype=x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def _preprocess_tensor_input(x, data_format, mode):
    if mode == "tf":
        return ops.subtract(ops.divide(x, 127.5), 1.0)
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        x = ops.divide(x, 255.0)
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = x[(slice(None),) * axis + (slice(None, None, -1),)]  # RGB -> BGR
        mean, std = _CAFFE_MEAN, None
    x = ops.subtract(x, ops.reshape(as_tensor(list(mean), dtype=x.dtype), shape))
    if std is not None:
        x = ops.divide(x, ops.reshape(as_tensor(list(std), dtype=x.dtype), shape))
    return x


class ImageNetPreprocessing(Layer):
    """`preprocess_input` applied to a symbolic input inside a functional model (mode, data_format)."""

    def __init__(self, mode="caffe", data_format=None, **kwargs):
        if mode not in {"caffe", "tf", "torch"}:
            raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
        super().__init__(**kwargs)
        self.mode = mode
        self.data_format = data_format or image_data_format()

    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)
        return _preprocess_tensor_input(x, self.data_format, self.mode)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "data_format": self.data_format})
        return config


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (a (samples, 1000) array), as lists of
    `(class_name, class_description, score)` tuples, best first."""
    global CLASS_INDEX
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Found array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath, encoding="utf-8") as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The model's input shape: the user's, checked against `min_size` (and ImageNet's 3 channels and
    default size when those weights are loaded with the top), or the architecture's default."""
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                             f"should be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ZeroPadding2D padding that makes a strided 'valid' convolution match TensorFlow's 'same'."""
    img_dim = 2 if image_data_format() == "channels_first" else 1
    input_size = tuple(inputs.shape)[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights come with a softmax (or no) classifier activation only."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def validate_weights_argument(weights, include_top, classes, imagenet_classes=1000):
    """tf.keras's two checks at the top of every architecture: `weights` is None, 'imagenet' or an
    existing file, and ImageNet weights with the top mean ImageNet's number of classes."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), `imagenet` "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                         f"Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != imagenet_classes:
        raise ValueError(f'If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be '
                         f"{imagenet_classes}.  Received `classes={classes}`")


def load_application_weights(model, weights, file_name=None, origin=None, file_hash=None):
    """Loads `weights` into a freshly built architecture: 'imagenet' downloads `origin` through
    `get_file` into the kerasx home's models/ folder (checked against `file_hash`), a path is loaded
    as it is, None leaves the random initialization."""
    if weights == "imagenet":
        weights_path = get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
        model.load_weights(weights_path)
    elif weights is not None:
        model.load_weights(weights)
    return model
