"""Xception (Chollet, 2017) as tf.keras 2.x's `keras.applications.xception`: depthwise separable
convolutions with residual connections (entry flow blocks 2-4, eight middle-flow blocks 5-12, exit
flow 13-14), tf.keras's layer names (`block5_sepconv1_act`, ...; the residual 1x1 convolutions and
their BatchNormalizations keep automatic names), model name and ImageNet weights table. Default input
299x299, at least 71x71."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHTS_FILES = {  # include_top -> (file name, md5 hash), as tf.keras
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "b0042744bf5b25fce3cb969f33bebb97"),
}
TF_WEIGHTS_PATH = BASE_WEIGHTS_PATH + WEIGHTS_FILES[True][0]
TF_WEIGHTS_PATH_NO_TOP = BASE_WEIGHTS_PATH + WEIGHTS_FILES[False][0]


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """Instantiates the Xception architecture (tf.keras's arguments). Expects inputs scaled by
    `xception.preprocess_input` (to [-1, 1])."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if include_top:  # tf.keras checks it once the body is built; before is cheaper and as clear
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=71,
                                                    data_format=image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)
    channel_axis = 1 if image_data_format() == "channels_first" else -1

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Entry flow: block2 has no ReLU before its first separable convolution (block1 ended with one).
    x = _downsampling_block(x, 128, 128, "block2", channel_axis, first_activation=False)
    x = _downsampling_block(x, 256, 256, "block3", channel_axis)
    x = _downsampling_block(x, 728, 728, "block4", channel_axis)
    # Middle flow: eight identity-residual blocks of three separable convolutions.
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = layers.SeparableConv2D(728, (3, 3), padding="same", use_bias=False, name=f"{prefix}_sepconv{j}")(x)
            x = layers.BatchNormalization(axis=channel_axis, name=f"{prefix}_sepconv{j}_bn")(x)
        x = layers.add([x, residual])
    # Exit flow.
    x = _downsampling_block(x, 728, 1024, "block13", channel_axis)
    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False, name="block14_sepconv1")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False, name="block14_sepconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name="xception")
    file_name, file_hash = WEIGHTS_FILES[bool(include_top)]
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                                   file_hash)


def _downsampling_block(x, filters1, filters2, prefix, channel_axis, first_activation=True):
    """Two separable convolutions (`filters1`, `filters2`) and a strided max pooling, added to a strided
    1x1 convolution of the input; the layers are created in tf.keras's order (residual first), which
    fixes their automatic names."""
    residual = layers.Conv2D(filters2, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=channel_axis)(residual)
    if first_activation:
        x = layers.Activation("relu", name=prefix + "_sepconv1_act")(x)
    x = layers.SeparableConv2D(filters1, (3, 3), padding="same", use_bias=False, name=prefix + "_sepconv1")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=prefix + "_sepconv1_bn")(x)
    x = layers.Activation("relu", name=prefix + "_sepconv2_act")(x)
    x = layers.SeparableConv2D(filters2, (3, 3), padding="same", use_bias=False, name=prefix + "_sepconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=prefix + "_sepconv2_bn")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=prefix + "_pool")(x)
    return layers.add([x, residual])


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
