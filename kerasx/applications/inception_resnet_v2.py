"""Inception-ResNet-v2 (Szegedy et al., 2017) as tf.keras 2.x's `keras.applications.inception_resnet_v2`:
an Inception stem, then 10 block35, 20 block17 and 10 block8 residual Inception blocks whose branch
output is scaled before the residual sum (`CustomScaleLayer`, registered as tf.keras registers it,
"Custom>CustomScaleLayer"), tf.keras's layer names, model name and ImageNet weights table. Default input
299x299, at least 75x75. As tf.keras, a `layers=` keyword replaces the layers module the blocks use."""
from kerasx import layers as kerasx_layers
from kerasx import ops
from kerasx.applications import imagenet_utils
from kerasx.backend import image_data_format, int_shape, is_keras_tensor
from kerasx.engine.base_layer import Layer
from kerasx.engine.model import Model
from kerasx.saving.object_registration import register_keras_serializable
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHT_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
WEIGHTS_FILES = {  # include_top -> (file name, md5 hash), as tf.keras
    True: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5", "e693bd0210a403b3192acc6073ad2e96"),
    False: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "d19885ff4a710c122648d3b5c3b684e4"),
}


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", **kwargs):
    """Instantiates the Inception-ResNet v2 architecture (tf.keras's arguments). Expects inputs scaled
    by `inception_resnet_v2.preprocess_input` (to [-1, 1])."""
    layers = kwargs.pop("layers", kerasx_layers)
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if include_top:  # tf.keras checks it once the body is built; before is cheaper and as clear
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=75,
                                                    data_format=image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    if input_tensor is None:
        img_input = layers.Input(shape=input_shape)
    elif not is_keras_tensor(input_tensor):
        img_input = layers.Input(tensor=input_tensor, shape=input_shape)
    else:
        img_input = input_tensor
    channel_axis = 1 if image_data_format() == "channels_first" else 3

    # Stem: 35 x 35 x 192.
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid", layers=layers)
    x = conv2d_bn(x, 32, 3, padding="valid", layers=layers)
    x = conv2d_bn(x, 64, 3, layers=layers)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid", layers=layers)
    x = conv2d_bn(x, 192, 3, padding="valid", layers=layers)
    x = layers.MaxPooling2D(3, strides=2)(x)
    # mixed_5b (Inception-A): 35 x 35 x 320.
    branch_0 = conv2d_bn(x, 96, 1, layers=layers)
    branch_1 = conv2d_bn(x, 48, 1, layers=layers)
    branch_1 = conv2d_bn(branch_1, 64, 5, layers=layers)
    branch_2 = conv2d_bn(x, 64, 1, layers=layers)
    branch_2 = conv2d_bn(branch_2, 96, 3, layers=layers)
    branch_2 = conv2d_bn(branch_2, 96, 3, layers=layers)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1, layers=layers)
    x = layers.Concatenate(axis=channel_axis, name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx, layers=layers)
    # mixed_6a (Reduction-A): 17 x 17 x 1088.
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid", layers=layers)
    branch_1 = conv2d_bn(x, 256, 1, layers=layers)
    branch_1 = conv2d_bn(branch_1, 256, 3, layers=layers)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid", layers=layers)
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=channel_axis, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx, layers=layers)
    # mixed_7a (Reduction-B): 8 x 8 x 2080.
    branch_0 = conv2d_bn(x, 256, 1, layers=layers)
    branch_0 = conv2d_bn(branch_0, 384, 3, strides=2, padding="valid", layers=layers)
    branch_1 = conv2d_bn(x, 256, 1, layers=layers)
    branch_1 = conv2d_bn(branch_1, 288, 3, strides=2, padding="valid", layers=layers)
    branch_2 = conv2d_bn(x, 256, 1, layers=layers)
    branch_2 = conv2d_bn(branch_2, 288, 3, layers=layers)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid", layers=layers)
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=channel_axis, name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx, layers=layers)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10, layers=layers)
    x = conv2d_bn(x, 1536, 1, name="conv_7b", layers=layers)  # 8 x 8 x 1536

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name="inception_resnet_v2")
    file_name, file_hash = WEIGHTS_FILES[bool(include_top)]
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHT_URL + file_name,
                                                   file_hash)


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None,
              layers=kerasx_layers):
    """Conv2D, BatchNormalization without scale (when the convolution has no bias) and `activation`;
    named `name`, `<name>_bn` and `<name>_ac` when `name` is given, automatic names otherwise."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        bn_axis = 1 if image_data_format() == "channels_first" else 3
        x = layers.BatchNormalization(axis=bn_axis, scale=False, name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


@register_keras_serializable()
class CustomScaleLayer(Layer):
    """`inputs[0] + inputs[1] * scale`: the residual sum of an Inception-ResNet block, its branch output
    scaled down (0.17, 0.1, 0.2) to keep the deep residual stack stable."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config

    def call(self, inputs):
        return ops.add(inputs[0], ops.multiply(inputs[1], self.scale))


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu", layers=kerasx_layers):
    """One residual Inception block: its branches concatenated (`<type>_<idx>_mixed`), projected back to
    the input's channels by a biased 1x1 convolution (`<type>_<idx>_conv`), scaled and added to `x`,
    then `activation` (`<type>_<idx>_ac`)."""
    if block_type == "block35":
        branch_0 = conv2d_bn(x, 32, 1, layers=layers)
        branch_1 = conv2d_bn(x, 32, 1, layers=layers)
        branch_1 = conv2d_bn(branch_1, 32, 3, layers=layers)
        branch_2 = conv2d_bn(x, 32, 1, layers=layers)
        branch_2 = conv2d_bn(branch_2, 48, 3, layers=layers)
        branch_2 = conv2d_bn(branch_2, 64, 3, layers=layers)
        branches = [branch_0, branch_1, branch_2]
    elif block_type == "block17":
        branch_0 = conv2d_bn(x, 192, 1, layers=layers)
        branch_1 = conv2d_bn(x, 128, 1, layers=layers)
        branch_1 = conv2d_bn(branch_1, 160, [1, 7], layers=layers)
        branch_1 = conv2d_bn(branch_1, 192, [7, 1], layers=layers)
        branches = [branch_0, branch_1]
    elif block_type == "block8":
        branch_0 = conv2d_bn(x, 192, 1, layers=layers)
        branch_1 = conv2d_bn(x, 192, 1, layers=layers)
        branch_1 = conv2d_bn(branch_1, 224, [1, 3], layers=layers)
        branch_1 = conv2d_bn(branch_1, 256, [3, 1], layers=layers)
        branches = [branch_0, branch_1]
    else:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
                         f"but got: {block_type}")
    block_name = f"{block_type}_{block_idx}"
    channel_axis = 1 if image_data_format() == "channels_first" else 3
    mixed = layers.Concatenate(axis=channel_axis, name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, int_shape(x)[channel_axis], 1, activation=None, use_bias=True, name=block_name + "_conv",
                   layers=layers)
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
