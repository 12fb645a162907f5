"""DenseNet (Huang et al., 2017) as tf.keras 2.x's `keras.applications.densenet`: dense blocks of
BN-ReLU-Conv pairs whose outputs are concatenated, transition blocks halving the channels, tf.keras's
layer names (`conv2_block1_0_bn`, `pool2_conv`, ...), model names and ImageNet weights table."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format, int_shape
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"

# blocks per dense block -> (model name, {include_top: (file name, file hash)}), as tf.keras.
_VARIANTS = {
    (6, 12, 24, 16): ("densenet121", {
        True: ("densenet121_weights_tf_dim_ordering_tf_kernels.h5", "9d60b8095a5708f2dcce2bca79d332c7"),
        False: ("densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "30ee3e1110167f948a6b9946edeeb738")}),
    (6, 12, 32, 32): ("densenet169", {
        True: ("densenet169_weights_tf_dim_ordering_tf_kernels.h5", "d699b8f76981ab1b30698df4c175e90b"),
        False: ("densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "b8c4d4c20dd625c148057b9ff1c1176b")}),
    (6, 12, 48, 32): ("densenet201", {
        True: ("densenet201_weights_tf_dim_ordering_tf_kernels.h5", "1ceb130c1ea1b78c3bf6114dbdfd8807"),
        False: ("densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "c13680b51ded0fb44dff2d8f86ac8bb1")}),
}


def weights_file(blocks, include_top):
    """(file name, URL, md5 hash) of tf.keras's ImageNet weights for the DenseNet of `blocks`."""
    file_name, file_hash = _VARIANTS[tuple(blocks)][1][bool(include_top)]
    return file_name, BASE_WEIGHTS_PATH + file_name, file_hash


def dense_block(x, blocks, name):
    """`blocks` conv blocks of growth rate 32, each concatenating its output to its input."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 convolution to `reduction` times the channels, 2x2 average pooling."""
    bn_axis = 3 if image_data_format() == "channels_last" else 1
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(int_shape(x)[bn_axis] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 Conv (4 * growth_rate) then BN-ReLU-3x3 Conv (growth_rate), concatenated to `x`."""
    bn_axis = 3 if image_data_format() == "channels_last" else 1
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=name + "_0_bn")(x)
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=name + "_1_bn")(x1)
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=bn_axis, name=name + "_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """Instantiates a DenseNet with `blocks` conv blocks in each of its four dense blocks (tf.keras's
    other arguments). Expects inputs scaled by `densenet.preprocess_input` (mode "torch")."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if weights == "imagenet" and tuple(blocks) not in _VARIANTS:
        # tf.keras fails on an unbound name after building; say what is wrong before.
        raise ValueError("ImageNet weights exist for DenseNet121, DenseNet169 and DenseNet201 only; "
                         f"Received blocks={list(blocks)}")
    if include_top:  # tf.keras checks it once the body is built; before is cheaper and as clear
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)
    bn_axis = 3 if image_data_format() == "channels_last" else 1

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="conv1/bn")(x)
    x = layers.Activation("relu", name="conv1/relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    name, files = _VARIANTS.get(tuple(blocks), ("densenet", None))
    model = Model(inputs, x, name=name)
    file_name, origin, file_hash = weights_file(blocks, include_top) if files else (None, None, None)
    return imagenet_utils.load_application_weights(model, weights, file_name, origin, file_hash)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the DenseNet121 architecture (dense blocks of 6, 12, 24 and 16 conv blocks)."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the DenseNet169 architecture (dense blocks of 6, 12, 32 and 32 conv blocks)."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the DenseNet201 architecture (dense blocks of 6, 12, 48 and 32 conv blocks)."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [0, 1], then normalises each channel by ImageNet's mean and std
    (imagenet_utils mode "torch")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
