"""MobileNetV2 (Sandler et al., 2018) as tf.keras 2.x's `keras.applications.mobilenet_v2`: inverted
residual blocks with linear bottlenecks, width `alpha`, tf.keras's layer names, input checks,
warnings and weights file names (chosen from `alpha` and the row size)."""
import warnings

from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.backend import image_data_format, int_shape, is_keras_tensor
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
ROWS = (96, 128, 160, 192, 224)

# (filters, stride, expansion) of blocks 0..16, as tf.keras writes them one by one.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6),
           (160, 1, 6), (320, 1, 6))


def weights_file_name(alpha, rows, include_top):
    """tf.keras's file name of the ImageNet weights for width `alpha` and `rows` x `rows` inputs."""
    suffix = "" if include_top else "_no_top"
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"


def check_input_tensor(input_tensor, input_shape):
    """tf.keras's MobileNet checks of `input_tensor` against `input_shape` (the second spatial size)."""
    if input_tensor is None:
        return
    try:
        symbolic = is_keras_tensor(input_tensor)
    except ValueError:
        raise ValueError("input_tensor must be a valid TF-Keras tensor type; "
                         f"Received {input_tensor} of type {type(input_tensor)}") from None
    if input_shape is None:
        return
    if not symbolic:
        raise ValueError(f"input_tensor is not a TF-Keras tensor; Received `input_tensor={input_tensor}`")
    if image_data_format() == "channels_first":
        if int_shape(input_tensor)[1] != input_shape[1]:
            raise ValueError("input_shape[1] must equal shape(input_tensor)[1] when `image_data_format` is "
                             f"`channels_first`; Received `input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    elif int_shape(input_tensor)[2] != input_shape[1]:
        raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                         f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`")


def default_size_of(input_shape, input_tensor, sizes=ROWS):
    """The row size tf.keras's MobileNets default to: the square input's when it is one of `sizes`."""
    if input_shape is None and input_tensor is not None and is_keras_tensor(input_tensor):
        shape = int_shape(input_tensor)
        rows, cols = (shape[2], shape[3]) if image_data_format() == "channels_first" else (shape[1], shape[2])
    elif input_shape is None:
        return 224
    else:
        rows, cols = ((input_shape[1], input_shape[2]) if image_data_format() == "channels_first"
                      else (input_shape[0], input_shape[1]))
    return rows if rows == cols and rows in sizes else 224


def model_input(input_tensor, input_shape):
    """The model's image input: a new `Input`, or `input_tensor` (wrapped when it is not symbolic)."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights):
    """GlobalAveragePooling2D + the `predictions` Dense, or the feature extractor's pooling."""
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D()(x)
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax", **kwargs):
    """Instantiates the MobileNetV2 architecture (tf.keras's arguments; `alpha` is the width
    multiplier). Expects inputs scaled by `mobilenet_v2.preprocess_input` (to [-1, 1])."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    check_input_tensor(input_tensor, input_shape)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size_of(input_shape, input_tensor), min_size=32,
        data_format=image_data_format(), require_flatten=include_top, weights=weights)
    row_axis, col_axis = (0, 1) if image_data_format() == "channels_last" else (1, 2)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if weights == "imagenet":
        if alpha not in ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                             f"`0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
        if rows != cols or rows not in ROWS:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will be loaded "
                          "as the default.", stacklevel=2)
    img_input = model_input(input_tensor, input_shape)
    channel_axis = 1 if image_data_format() == "channels_first" else -1

    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=f"mobilenetv2_{alpha:0.2f}_{rows}")
    file_name = weights_file_name(alpha, rows, include_top)
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    channel_axis = 1 if image_data_format() == "channels_first" else -1
    in_channels = int_shape(inputs)[channel_axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=prefix + "expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=prefix + "project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
