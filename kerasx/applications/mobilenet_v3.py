"""MobileNetV3 (Howard et al., 2019) as tf.keras 2.x's `keras.applications.mobilenet_v3`: inverted
residual blocks with squeeze-and-excite and hard-swish (none of them in the `minimalistic` models),
width `alpha`, the [0, 255] -> [-1, 1] `Rescaling` inside the model (`include_preprocessing`),
tf.keras's layer names, input checks and weights files with their hashes.

tf.keras builds the hard sigmoid from `x + 3.0` and `* (1 / 6)` on symbolic tensors, which it records
as TFOpLambda layers; `ConstantOp` stands for them, so the layer list and names are tf.keras's."""
import warnings

from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.constant_op import ConstantOp
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format, int_shape, is_keras_tensor
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
# (with the top, without it) of each ImageNet weights file, as tf.keras lists them.
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}

# (expansion, filters, kernel, stride, squeeze-excite, activation) of each block; kernel "k", "se"
# and "act" are the model's own (5, 0.25 and hard-swish; 3, none and ReLU when minimalistic).
_SMALL = ((1, 16, 3, 2, "se", "relu"), (72.0 / 16, 24, 3, 2, None, "relu"), (88.0 / 24, 24, 3, 1, None, "relu"),
          (4, 40, "k", 2, "se", "act"), (6, 40, "k", 1, "se", "act"), (6, 40, "k", 1, "se", "act"),
          (3, 48, "k", 1, "se", "act"), (3, 48, "k", 1, "se", "act"), (6, 96, "k", 2, "se", "act"),
          (6, 96, "k", 1, "se", "act"), (6, 96, "k", 1, "se", "act"))
_LARGE = ((1, 16, 3, 1, None, "relu"), (4, 24, 3, 2, None, "relu"), (3, 24, 3, 1, None, "relu"),
          (3, 40, "k", 2, "se", "relu"), (3, 40, "k", 1, "se", "relu"), (3, 40, "k", 1, "se", "relu"),
          (6, 80, 3, 2, None, "act"), (2.5, 80, 3, 1, None, "act"), (2.3, 80, 3, 1, None, "act"),
          (2.3, 80, 3, 1, None, "act"), (6, 112, 3, 1, "se", "act"), (6, 112, 3, 1, "se", "act"),
          (6, 160, "k", 2, "se", "act"), (6, 160, "k", 1, "se", "act"), (6, 160, "k", 1, "se", "act"))


def weights_file(model_type, minimalistic, alpha, include_top):
    """tf.keras's (file name, file hash) of the ImageNet weights of one MobileNetV3."""
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    if include_top:
        return f"weights_mobilenet_v3_{model_name}.h5", WEIGHTS_HASHES[model_name][0]
    return f"weights_mobilenet_v3_{model_name}_no_top_v2.h5", WEIGHTS_HASHES[model_name][1]


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True):
    """Instantiates the MobileNetV3Small architecture (tf.keras's arguments). With
    `include_preprocessing` (the default) it takes pixels in [0, 255]; without, in [-1, 1]."""
    return MobileNetV3(_SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True):
    """Instantiates the MobileNetV3Large architecture (tf.keras's arguments). With
    `include_preprocessing` (the default) it takes pixels in [0, 255]; without, in [-1, 1]."""
    return MobileNetV3(_LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing)


def _checked_input_shape(input_shape, input_tensor):
    """tf.keras's MobileNetV3 input checks: `input_tensor` against `input_shape`, else the shape taken
    from `input_tensor` (rows and columns swapped, as tf.keras does), else (None, None, 3)."""
    channels_first = image_data_format() == "channels_first"
    if input_tensor is not None:
        try:
            symbolic = is_keras_tensor(input_tensor)
        except ValueError:
            raise ValueError(f"input_tensor: {input_tensor} is not type input_tensor.  "
                             f"Received type(input_tensor)={type(input_tensor)}") from None
        if input_shape is not None:
            if not symbolic:
                raise ValueError(f"input_tensor specified: {input_tensor} is not a keras tensor")
            shape = int_shape(input_tensor)
            if channels_first and shape[1] != input_shape[1]:
                raise ValueError("When backend.image_data_format()=channels_first, input_shape[1] must equal "
                                 f"backend.int_shape(input_tensor)[1].  Received input_shape={input_shape}, "
                                 f"backend.int_shape(input_tensor)={shape}")
            if not channels_first and shape[2] != input_shape[1]:
                raise ValueError("input_shape[1] must equal backend.int_shape(input_tensor)[2].  Received "
                                 f"input_shape={input_shape}, backend.int_shape(input_tensor)={shape}")
        elif symbolic:
            shape = int_shape(input_tensor)
            rows, cols = (shape[2], shape[3]) if channels_first else (shape[1], shape[2])
            input_shape = (3, cols, rows) if channels_first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    return input_shape


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True):
    """The MobileNetV3 body shared by the small and large models: `blocks` as in `_SMALL`/`_LARGE`,
    `last_point_ch` the width of the head's 1x1 convolution before the classifier."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = _checked_input_shape(input_shape, input_tensor)
    row_axis, col_axis = (0, 1) if image_data_format() == "channels_last" else (1, 2)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                          "shape (224, 224) will be loaded as the default.", stacklevel=3)
    img_input = model_input(input_tensor, input_shape)
    channel_axis = 1 if image_data_format() == "channels_first" else -1
    kernel, activation, se_ratio = (3, _relu, None) if minimalistic else (5, _hard_swish, 0.25)

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="Conv")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="Conv/BatchNorm")(x)
    x = activation(x)
    for block_id, (expansion, filters, kernel_size, stride, se, block_activation) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if kernel_size == "k" else kernel_size,
                                stride, se_ratio if se else None,
                                _relu if block_activation == "relu" else activation, block_id)

    last_conv_ch = _depth(int_shape(x)[channel_axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="Conv_1/BatchNorm")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="Conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="Logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="Predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name="MobilenetV3" + model_type)
    if weights != "imagenet":
        return imagenet_utils.load_application_weights(model, weights)
    file_name, file_hash = weights_file(model_type, minimalistic, alpha, include_top)
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name,
                                                   file_hash)


def _relu(x):
    return layers.ReLU()(x)


def _hard_sigmoid(x):
    # ReLU6(x + 3) / 6, each step a layer of its own as in tf.keras.
    x = ConstantOp("__operators__.add", 3.0)(x)
    x = layers.ReLU(6.0)(x)
    return ConstantOp("math.multiply", 1.0 / 6.0)(x)


def _hard_swish(x):
    return layers.Multiply()([x, _hard_sigmoid(x)])


def _depth(v, divisor=8, min_value=None):
    """`v` rounded to a multiple of `divisor`, never more than 10% below `v`."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=prefix + "squeeze_excite/AvgPool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite/Relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=prefix + "squeeze_excite/Conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=prefix + "squeeze_excite/Mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    channel_axis = 1 if image_data_format() == "channels_first" else -1
    shortcut = x
    prefix = "expanded_conv/"
    infilters = int_shape(x)[channel_axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}/"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=prefix + "expand/BatchNorm")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=prefix + "depthwise/pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "depthwise/BatchNorm")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=prefix + "project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "project/BatchNorm")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=prefix + "Add")([shortcut, x])
    return x


def preprocess_input(x, data_format=None):
    """A pass-through kept for tf.keras's API: the models rescale their inputs themselves
    (`include_preprocessing`)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
