"""MobileNet (Howard et al., 2017) as tf.keras 2.x's `keras.applications.mobilenet`: depthwise separable
convolution blocks with width `alpha` and `depth_multiplier`, tf.keras's layer names, imagenet checks,
warning and weights file names (chosen from `alpha` and the row size)."""
import warnings

from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
ALPHAS = (0.25, 0.50, 0.75, 1.0)
ROWS = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0"}  # any other (0.25) is "2_5", as tf.keras

# (pointwise filters, strides) of the depthwise blocks 1..13.
_BLOCKS = ((64, (1, 1)), (128, (2, 2)), (128, (1, 1)), (256, (2, 2)), (256, (1, 1)), (512, (2, 2)),
           (512, (1, 1)), (512, (1, 1)), (512, (1, 1)), (512, (1, 1)), (512, (1, 1)), (1024, (2, 2)),
           (1024, (1, 1)))


def weights_file_name(alpha, rows, include_top):
    """tf.keras's file name of the ImageNet weights for width `alpha` and `rows` x `rows` inputs."""
    alpha_text = _ALPHA_TEXT.get(alpha, "2_5")
    return f"mobilenet_{alpha_text}_{int(rows)}_tf{'' if include_top else '_no_top'}.h5"


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", **kwargs):
    """Instantiates the MobileNet architecture (tf.keras's arguments: `alpha` the width multiplier,
    `depth_multiplier` the depthwise convolutions' one, `dropout` before the 1x1 classifier).
    Expects inputs scaled by `mobilenet.preprocess_input` (to [-1, 1])."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {(kwargs,)}")
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    default_size = 224
    if input_shape is not None:
        rows, cols = ((input_shape[1], input_shape[2]) if image_data_format() == "channels_first"
                      else (input_shape[0], input_shape[1]))
        default_size = rows if rows == cols and rows in ROWS else 224
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=image_data_format(),
        require_flatten=include_top, weights=weights)
    row_axis, col_axis = (0, 1) if image_data_format() == "channels_last" else (1, 2)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  "
                             f"Received depth_multiplier={depth_multiplier}")
        if alpha not in ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, "
                             f"`0.75` or `1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in ROWS:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will be loaded as "
                          "the default.", stacklevel=2)
    img_input = model_input(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, strides) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=strides, block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=f"mobilenet_{alpha:0.2f}_{rows}")
    file_name = weights_file_name(alpha, rows, include_top) if weights == "imagenet" else None
    origin = BASE_WEIGHT_PATH + file_name if file_name else None
    return imagenet_utils.load_application_weights(model, weights, file_name, origin)


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    channel_axis = 1 if image_data_format() == "channels_first" else -1
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=channel_axis, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1),
                          block_id=1):
    channel_axis = 1 if image_data_format() == "channels_first" else -1
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
