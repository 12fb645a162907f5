"""Inception-v3 (Szegedy et al., 2016) as tf.keras 2.x's `keras.applications.inception_v3`: a stem of
conv-BN-ReLU units then the mixed0..mixed10 Inception blocks (factorised 7x7 and 3x3 branches), with
tf.keras's layer names (the units keep their automatic names; the blocks are `mixed<i>`), model name
and ImageNet weights table. Default input 299x299, at least 75x75."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
WEIGHTS_FILES = {  # include_top -> (file name, md5 hash), as tf.keras
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "bcbd6486424b2319ff4ef7d526e38f63"),
}
WEIGHTS_PATH = BASE_WEIGHTS_PATH + WEIGHTS_FILES[True][0]
WEIGHTS_PATH_NO_TOP = BASE_WEIGHTS_PATH + WEIGHTS_FILES[False][0]


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the Inception v3 architecture (tf.keras's arguments). Expects inputs scaled by
    `inception_v3.preprocess_input` (to [-1, 1])."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if include_top:  # tf.keras checks it once the body is built; before is cheaper and as clear
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=75,
                                                    data_format=image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)
    channel_axis = 1 if image_data_format() == "channels_first" else 3

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # mixed0..2: 35 x 35 x 256/288 (the pooled branch has 32 filters in mixed0, 64 after).
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, channel_axis, name=f"mixed{i}")
    # mixed3: 17 x 17 x 768 (stride-2 reduction).
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=channel_axis, name="mixed3")
    # mixed4..7: 17 x 17 x 768, factorised 7x7 branches of 128, 160, 160 and 192 filters.
    for i, filters in enumerate((128, 160, 160, 192)):
        x = _block_17(x, filters, channel_axis, name=f"mixed{4 + i}")
    # mixed8: 8 x 8 x 1280 (stride-2 reduction).
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=channel_axis, name="mixed8")
    # mixed9, mixed10: 8 x 8 x 2048.
    for i in range(2):
        x = _block_8(x, channel_axis, i)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name="inception_v3")
    file_name, file_hash = WEIGHTS_FILES[bool(include_top)]
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                                   file_hash)


def _block_35(x, pool_filters, channel_axis, name):
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, pool_filters, 1, 1)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=channel_axis, name=name)


def _block_17(x, filters, channel_axis, name):
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, filters, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, filters, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, filters, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 192, 1, 1)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=channel_axis, name=name)


def _block_8(x, channel_axis, i):
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
    branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
    branch3x3 = layers.concatenate([branch3x3_1, branch3x3_2], axis=channel_axis, name=f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
    branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
    branch3x3dbl = layers.concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=channel_axis)
    branch_pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 192, 1, 1)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=channel_axis,
                              name=f"mixed{9 + i}")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv2D (no bias) + BatchNormalization (no scale) + ReLU; named `<name>_conv`, `<name>_bn` and
    `<name>` when `name` is given, automatic names otherwise (as tf.keras)."""
    bn_axis = 1 if image_data_format() == "channels_first" else 3
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, scale=False, name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
