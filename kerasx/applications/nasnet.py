"""NASNet-A (Zoph et al., 2018) as tf.keras 2.x's `keras.applications.nasnet`: a stem, two stem
reduction cells, then three stacks of `num_blocks` normal cells separated by reduction cells, each cell
reading the two previous cells' outputs (`_adjust_block` matches the older one's shape). NASNetMobile
(224x224, 4 @ 1056) and NASNetLarge (331x331, 6 @ 4032); tf.keras's layer names (the cells' ReLUs and a
few paddings keep automatic names), model name "NASNet" and ImageNet weights table. channels_last only:
under channels_first the model is built channels_last, with tf.keras's warning."""
import logging

from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format, int_shape, set_image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

_logger = logging.getLogger("kerasx")

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-large-no-top.h5"
# (default_size, include_top) -> (cached file name, URL, md5 hash), as tf.keras: the ImageNet weights are
# told apart by the default size (224 mobile, 331 large).
WEIGHTS_FILES = {
    (224, True): ("nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH, "020fb642bf7360b370c678b08e0adf61"),
    (224, False): ("nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP, "1ed92395b5b598bdda52abe5c0dbfd63"),
    (331, True): ("nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH, "11577c9a518f0070763c2b964a382f17"),
    (331, False): ("nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP, "d81d89dc07e6e56530c4e77faddd61b5"),
}
_BN = {"momentum": 0.9997, "epsilon": 1e-3}


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
           filter_multiplier=2, include_top=True, weights="imagenet", input_tensor=None, pooling=None, classes=1000,
           default_size=None, classifier_activation="softmax"):
    """Instantiates a NASNet-A model: `penultimate_filters` channels in the last cells (a multiple of
    24 * filter_multiplier ** 2), `num_blocks` normal cells per stack, `stem_block_filters` in the stem,
    `skip_reduction` (the cell after a reduction reads the reduction's input, not its output). Expects
    inputs scaled by `nasnet.preprocess_input` (to [-1, 1])."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
                         f"input_shape argument must be static (no None entries). Got: `input_shape={input_shape}`.")
    if default_size is None:
        default_size = 331
    # tf.keras finds these two after building the body; before is cheaper and as clear.
    if weights == "imagenet" and default_size not in (224, 331):
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    if penultimate_filters % (24 * (filter_multiplier ** 2)) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
                         f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)

    old_data_format = None
    if image_data_format() != "channels_last":
        _logger.warning('The NASNet family of models is only available for the input data format "channels_last" '
                        '(width, height, channels). However your settings specify the default data format '
                        '"channels_first" (channels, width, height). You should set '
                        '`image_data_format="channels_last"` in your Keras config located at '
                        "~/.keras/keras.json. The model being returned right now will expect inputs to follow "
                        'the "channels_last" data format.')
        set_image_data_format("channels_last")
        old_data_format = "channels_first"
    try:
        # tf.keras reads `input_shape` before switching the format; after is the channels_last shape the
        # returned model takes, as its warning says.
        input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                        data_format=image_data_format(),
                                                        require_flatten=include_top, weights=weights)
        img_input = model_input(input_tensor, input_shape)
        x = _body(img_input, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
                  filter_multiplier)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
        elif pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
        model = Model(inputs, x, name="NASNet")
        file_name, origin, file_hash = WEIGHTS_FILES.get((default_size, bool(include_top)), (None, None, None))
        return imagenet_utils.load_application_weights(model, weights, file_name, origin, file_hash)
    finally:
        if old_data_format:
            set_image_data_format(old_data_format)


def _body(img_input, penultimate_filters, num_blocks, stem_block_filters, skip_reduction, filter_multiplier):
    channel_dim = -1
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = layers.BatchNormalization(axis=channel_dim, name="stem_bn1", **_BN)(x)
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier ** 2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters, block_id=f"{i}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier, block_id=f"reduce_{num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier, block_id=f"{num_blocks + i + 1}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier ** 2, block_id=f"reduce_{2 * num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier ** 2, block_id=f"{2 * num_blocks + i + 1}")
    return layers.Activation("relu")(x)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                 classes=1000, classifier_activation="softmax"):
    """Instantiates a Mobile NASNet model in the ImageNet mode (224x224 inputs by default)."""
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224, classifier_activation=classifier_activation)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates a NASNet model in the ImageNet mode (331x331 inputs by default)."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331, classifier_activation=classifier_activation)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Two ReLU-SeparableConv2D-BN units; a strided first one pads as TensorFlow's "same" would."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
                               padding=conv_pad, use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization(axis=-1, name=f"separable_conv_1_bn_{block_id}", **_BN)(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same",
                               use_bias=False, kernel_initializer="he_normal")(x)
    return layers.BatchNormalization(axis=-1, name=f"separable_conv_2_bn_{block_id}", **_BN)(x)


def _adjust_block(p, ip, filters, block_id=None):
    """The previous cell's output `p` brought to the shape of `ip` with `filters` channels: halved in
    size by two offset 1x1 strided paths (factorized reduction), or projected by a 1x1 convolution."""
    if p is None:
        return ip
    p_shape, ip_shape = int_shape(p), int_shape(ip)
    if p_shape[-2] != ip_shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_1_{block_id}",
                           kernel_initializer="he_normal")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_2_{block_id}",
                           kernel_initializer="he_normal")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return layers.BatchNormalization(axis=-1, name=f"adjust_bn_{block_id}", **_BN)(p)
    if p_shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"adjust_conv_projection_{block_id}",
                          use_bias=False, kernel_initializer="he_normal")(p)
        return layers.BatchNormalization(axis=-1, name=f"adjust_bn_{block_id}", **_BN)(p)
    return p


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell (same size): five pairwise-added branches over `ip` and the previous cell `p`,
    concatenated with `p`. Returns (the cell's output, `ip` for the next cell)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"normal_conv_1_{block_id}",
                      use_bias=False, kernel_initializer="he_normal")(h)
    h = layers.BatchNormalization(axis=-1, name=f"normal_bn_1_{block_id}", **_BN)(h)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left4_{block_id}")(p)
    x4_2 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_right4_{block_id}")(p)
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell (half size): strided separable convolutions and poolings over `ip` and `p`.
    Returns (the cell's output, `ip` for the next cell)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"reduction_conv_1_{block_id}",
                      use_bias=False, kernel_initializer="he_normal")(h)
    h = layers.BatchNormalization(axis=-1, name=f"reduction_bn_1_{block_id}", **_BN)(h)
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left3_{block_id}")(h3)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    # tf.keras names this block "reduction_left4" too: its layers are separable_conv_*_reduction_left4_*.
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
