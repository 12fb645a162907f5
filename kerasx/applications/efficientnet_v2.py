"""EfficientNetV2 B0 to B3, S, M and L (Tan and Le, 2021) as tf.keras 2.x's
`keras.applications.efficientnet_v2`: Fused-MBConv blocks in the early stages, MBConv blocks with
squeeze-and-excite after, tf.keras's layer names, initializers, weights files and hashes.

With `include_preprocessing` (the default) the models take pixels in [0, 255]: the B variants on three
channels rescale to [0, 1] and normalize by ImageNet's mean and variance (a `Normalization` with them
given, so without weights), the others rescale to [-1, 1]."""
import copy
import math

from kerasx import initializers, layers
from kerasx.applications import efficientnet, imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import get_uid, image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
# (with the top, without it) of each variant's ImageNet weights file, keyed as tf.keras by the last two
# characters of the model name.
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}

CONV_KERNEL_INITIALIZER = efficientnet.CONV_KERNEL_INITIALIZER
DENSE_KERNEL_INITIALIZER = efficientnet.DENSE_KERNEL_INITIALIZER


def _stages(*rows):
    keys = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
            "conv_type")
    return [dict(zip(keys, row)) for row in rows]


# Each stage: (kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides,
# conv_type), conv_type 1 for Fused-MBConv and 0 for MBConv, as tf.keras's DEFAULT_BLOCKS_ARGS.
_B_STAGES = _stages((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
                    (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages((3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
                                (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                                (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": _stages((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                                (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                                (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": _stages((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                                (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                                (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
    "efficientnetv2-b0": _B_STAGES, "efficientnetv2-b1": _B_STAGES, "efficientnetv2-b2": _B_STAGES,
    "efficientnetv2-b3": _B_STAGES,
}

# (width coefficient, depth coefficient, default size) of each variant.
_VARIANTS = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260), "b3": (1.2, 1.4, 300),
             "s": (1.0, 1.0, 384), "m": (1.0, 1.0, 480), "l": (1.0, 1.0, 480)}


def weights_file(model_name, include_top):
    """tf.keras's (file name, file hash) of the ImageNet weights of "efficientnetv2-b0".."efficientnetv2-l"."""
    hashes = WEIGHTS_HASHES[model_name[-2:]]
    if include_top:
        return model_name + ".h5", hashes[0]
    return model_name + "_notop.h5", hashes[1]


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """`filters` scaled by the width coefficient, rounded to a multiple of `depth_divisor` (V2 has no
    10% floor, unlike V1)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv_bn_act(x, filters, kernel_size, strides, bn_momentum, activation, name, conv, bn, act):
    bn_axis = 3 if image_data_format() == "channels_last" else 1
    x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      padding="same", data_format=image_data_format(), use_bias=False, name=name + conv)(x)
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=name + bn)(x)
    return layers.Activation(activation, name=name + act)(x) if act else x


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            # tf.keras passes the drop-connect rate as the Dropout rate under this name.
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def _default_block_name():
    # tf.keras names an unnamed block by `get_uid("block0")`, an int its layer names cannot add to; the
    # count here makes it "block0<uid>_".
    return f"block0{get_uid('block0')}_"


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """MBConv: 1x1 expansion, depthwise convolution, squeeze-and-excite, 1x1 projection (a function
    of the block's input, as tf.keras's)."""
    name = name if name is not None else _default_block_name()

    def apply(inputs):
        bn_axis = 3 if image_data_format() == "channels_last" else 1
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv_bn_act(x, filters, 1, 1, bn_momentum, activation, name, "expand_conv", "expand_bn",
                             "expand_activation")
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, padding="same",
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER, data_format=image_data_format(),
                                   use_bias=False, name=name + "dwconv2")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=name + "bn")(x)
        x = layers.Activation(activation, name=name + "activation")(x)
        if 0 < se_ratio <= 1:
            x = efficientnet.squeeze_excite(x, input_filters, filters, se_ratio, activation, name,
                                            kernel_initializer=CONV_KERNEL_INITIALIZER)
        x = _conv_bn_act(x, output_filters, 1, 1, bn_momentum, activation, name, "project_conv", "project_bn", None)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                     bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Fused-MBConv: the expansion and the depthwise convolution fused into one full convolution."""
    name = name if name is not None else _default_block_name()

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv_bn_act(x, filters, kernel_size, strides, bn_momentum, activation, name, "expand_conv",
                             "expand_bn", "expand_activation")
        if 0 < se_ratio <= 1:
            x = efficientnet.squeeze_excite(x, input_filters, filters, se_ratio, activation, name,
                                            kernel_initializer=CONV_KERNEL_INITIALIZER)
        # Without an expansion, the projection is the block's only (strided, k x k) convolution.
        fused = expand_ratio == 1
        x = _conv_bn_act(x, output_filters, kernel_size if fused else 1, strides if fused else 1, bn_momentum,
                         activation, name, "project_conv", "project_bn", "project_activation" if fused else None)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   model_name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True):
    """The EfficientNetV2 body every variant scales (tf.keras's arguments)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[model_name]
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=image_data_format(), require_flatten=include_top,
                                                    weights=weights)
    img_input = model_input(input_tensor, input_shape)
    bn_axis = 3 if image_data_format() == "channels_last" else 1

    x = img_input
    if include_preprocessing:
        num_channels = input_shape[bn_axis - 1]
        if model_name.split("-")[-1].startswith("b") and num_channels == 3:
            # The B variants keep EfficientNet (V1)'s ImageNet normalization.
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def filters_of(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = _conv_bn_act(x, filters_of(blocks_args[0]["input_filters"]), 3, 2, bn_momentum, activation, "stem_",
                     "conv", "bn", "activation")

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:  # only a stage's first block changes the stride and the width
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1

    x = _conv_bn_act(x, filters_of(1280), 1, 1, bn_momentum, activation, "top_", "conv", "bn", "activation")
    x = efficientnet.top_or_pooling(x, include_top, pooling, dropout_rate, classes, classifier_activation, weights,
                                    kernel_initializer=DENSE_KERNEL_INITIALIZER,
                                    bias_initializer=initializers.Constant(0))

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=model_name)
    if weights != "imagenet":
        return imagenet_utils.load_application_weights(model, weights)
    file_name, file_hash = weights_file(model_name, include_top)
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                                   file_hash)


def _variant(key):
    width, depth, default_size = _VARIANTS[key]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", include_preprocessing=True):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=default_size,
                              model_name="efficientnetv2-" + key, include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, include_preprocessing=include_preprocessing)

    build.__name__ = build.__qualname__ = "EfficientNetV2" + key.upper()
    build.__doc__ = (f"Instantiates the EfficientNetV2{key.upper()} architecture ({default_size}x{default_size} by "
                     "default; tf.keras's arguments). With `include_preprocessing` it takes pixels in [0, 255].")
    return build


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("s")
EfficientNetV2M = _variant("m")
EfficientNetV2L = _variant("l")


def preprocess_input(x, data_format=None):
    """A pass-through kept for tf.keras's API: the models rescale their inputs themselves
    (`include_preprocessing`)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
