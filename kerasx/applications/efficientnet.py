"""EfficientNet B0 to B7 (Tan and Le, 2019) as tf.keras 2.x's `keras.applications.efficientnet`:
MBConv blocks with squeeze-and-excite, scaled in width and depth per variant, tf.keras's layer names,
initializers, weights files and hashes.

The models take pixels in [0, 255]: a `Rescaling` to [0, 1] and a `Normalization` (mean 0, variance 1
until ImageNet weights set its statistics) come first. tf.keras then multiplies by 1 / sqrt(std) when
it loads ImageNet weights (its Normalization divides by the std once, the original models twice), as a
TFOpLambda layer present only then; `ConstantOp` stands for it."""
import copy
import math

from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.constant_op import ConstantOp
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# (with the top, without it) of each variant's ImageNet weights file, as tf.keras lists them.
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _stage(kernel_size, repeats, filters_in, filters_out, expand_ratio, strides):
    return {"kernel_size": kernel_size, "repeats": repeats, "filters_in": filters_in, "filters_out": filters_out,
            "expand_ratio": expand_ratio, "id_skip": True, "strides": strides, "se_ratio": 0.25}


DEFAULT_BLOCKS_ARGS = [_stage(3, 1, 32, 16, 1, 1), _stage(3, 2, 16, 24, 6, 2), _stage(5, 2, 24, 40, 6, 2),
                       _stage(3, 3, 40, 80, 6, 2), _stage(5, 3, 80, 112, 6, 1), _stage(5, 4, 112, 192, 6, 2),
                       _stage(3, 1, 192, 320, 6, 1)]

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]

# (width coefficient, depth coefficient, default size, dropout rate) of B0..B7.
_VARIANTS = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
             "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
             "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}


def weights_file(model_name, include_top):
    """tf.keras's (file name, file hash) of the ImageNet weights of "efficientnetb0".."efficientnetb7"."""
    hashes = WEIGHTS_HASHES[model_name[-2:]]
    if include_top:
        return model_name + ".h5", hashes[0]
    return model_name + "_notop.h5", hashes[1]


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", model_name="efficientnet",
                 include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax"):
    """The EfficientNet body every variant scales (tf.keras's arguments)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=image_data_format(), require_flatten=include_top,
                                                    weights=weights)
    img_input = model_input(input_tensor, input_shape)
    bn_axis = 3 if image_data_format() == "channels_last" else 1

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:  # rounding down never loses more than 10%
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        scale = _per_channel([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB], channels_first=bn_axis == 1)
        x = ConstantOp("math.multiply", scale)(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    for i, args in enumerate(blocks_args):
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:  # only a stage's first block changes the stride and the width
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    x = top_or_pooling(x, include_top, pooling, dropout_rate, classes, classifier_activation, weights)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=model_name)
    if weights != "imagenet":
        return imagenet_utils.load_application_weights(model, weights)
    file_name, file_hash = weights_file(model_name, include_top)
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                                   file_hash)


def _per_channel(values, channels_first):
    """`values` shaped (1, 3, 1, 1) or (1, 1, 1, 3) as nested lists (tf.keras's `tf.reshape` of them)."""
    if channels_first:
        return [[[[v]] for v in values]]
    return [[[list(values)]]]


def top_or_pooling(x, include_top, pooling, dropout_rate, classes, classifier_activation, weights,
                   kernel_initializer=None, bias_initializer="zeros"):
    """tf.keras's EfficientNet head: average pooling, dropout and the `predictions` Dense, or the
    feature extractor's optional pooling."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation,
                            kernel_initializer=kernel_initializer or DENSE_KERNEL_INITIALIZER,
                            bias_initializer=bias_initializer, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def squeeze_excite(x, filters_in, filters, se_ratio, activation, name, kernel_initializer=None):
    """The squeeze-and-excite branch of tf.keras's EfficientNet blocks, V1 and V2 alike."""
    kernel_initializer = kernel_initializer or CONV_KERNEL_INITIALIZER
    filters_se = max(1, int(filters_in * se_ratio))
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    se_shape = (filters, 1, 1) if image_data_format() == "channels_first" else (1, 1, filters)
    se = layers.Reshape(se_shape, name=name + "se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation, kernel_initializer=kernel_initializer,
                       name=name + "se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=kernel_initializer,
                       name=name + "se_expand")(se)
    return layers.multiply([x, se], name=name + "se_excite")


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16, kernel_size=3,
          strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """tf.keras's inverted residual block: expansion, depthwise convolution, squeeze-and-excite,
    projection, and the skip connection (with drop-connect) where shapes allow it."""
    bn_axis = 3 if image_data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=name + "expand_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name=name + "expand_bn")(x)
        x = layers.Activation(activation, name=name + "expand_activation")(x)
    conv_pad = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=name + "dwconv_pad")(x)
        conv_pad = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER, name=name + "dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "bn")(x)
    x = layers.Activation(activation, name=name + "activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters_in, filters, se_ratio, activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=name + "project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def _variant(key):
    width, depth, default_size, dropout_rate = _VARIANTS[key]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", **kwargs):
        return EfficientNet(width, depth, default_size, dropout_rate, model_name="efficientnet" + key,
                            include_top=include_top, weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, **kwargs)

    build.__name__ = build.__qualname__ = "EfficientNet" + key.upper()
    build.__doc__ = (f"Instantiates the EfficientNet{key.upper()} architecture (width x{width}, depth x{depth}, "
                     f"{default_size}x{default_size} by default; tf.keras's arguments). Takes pixels in [0, 255].")
    return build


EfficientNetB0 = _variant("b0")
EfficientNetB1 = _variant("b1")
EfficientNetB2 = _variant("b2")
EfficientNetB3 = _variant("b3")
EfficientNetB4 = _variant("b4")
EfficientNetB5 = _variant("b5")
EfficientNetB6 = _variant("b6")
EfficientNetB7 = _variant("b7")


def preprocess_input(x, data_format=None):
    """A pass-through kept for tf.keras's API: the models rescale and normalize their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
