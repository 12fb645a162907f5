"""ResNet (He et al., 2015) as tf.keras 2.x's `keras.applications.resnet`: the shared `ResNet` builder
(7x7 stem, stacks of residual blocks, tf.keras's layer names `conv<s>_block<b>_...`), the v1
bottleneck (`block1`/`stack1`) and the pre-activation v2 one (`block2`/`stack2`, used by `resnet_v2`),
ResNet50/101/152, tf.keras's weights table and caffe-mode `preprocess_input`."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# model name: (hash of the file with the top, hash of the `_notop` one), tf.keras's table (the ResNeXt
# rows are kept with it: tf.keras lists them although it exports no ResNeXt).
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
    "resnext50": ("67a5b30d522ed92f75a1f16eef299d1a", "62527c363bdd9ec598bed41947b379fc"),
    "resnext101": ("34fb605428fcc7aa4d62f44404c11509", "0f678c91647380debd923963594981b3"),
}


def _bn_axis():
    return 3 if image_data_format() == "channels_last" else 1


def _batch_norm(name):
    return layers.BatchNormalization(axis=_bn_axis(), epsilon=1.001e-5, name=name)


def weights_file_name(model_name, include_top):
    """tf.keras's file name of a ResNet's ImageNet weights."""
    return f"{model_name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"


def ResNet(stack_fn, preact, use_bias, model_name="resnet", include_top=True, weights="imagenet",
           input_tensor=None, input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
           **kwargs):
    """A ResNet: the stem, `stack_fn(x)` for the residual stacks, then the head. `preact` means v2
    (no batch norm after the stem, `post_bn` before the head); `use_bias` is the stem convolution's."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _batch_norm("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _batch_norm("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=model_name)
    if weights == "imagenet" and model_name not in WEIGHTS_HASHES:
        # tf.keras goes on to load a file called "imagenet" and fails there; say why instead.
        raise ValueError(f"There are no ImageNet weights for `model_name={model_name}`; known names: "
                         f"{sorted(WEIGHTS_HASHES)}. Pass `weights=None` or the path to a weights file.")
    file_name = weights_file_name(model_name, include_top)
    file_hash = WEIGHTS_HASHES.get(model_name, (None, None))[0 if include_top else 1]
    return imagenet_utils.load_application_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                                   file_hash)


def block1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """The v1 bottleneck: 1x1 (strided), 3x3, 1x1 to 4*filters, added to the (projected) shortcut."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = _batch_norm(name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = _batch_norm(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = _batch_norm(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = _batch_norm(name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 bottlenecks; the first one projects the shortcut and strides by `stride1`."""
    x = block1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def block2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """The v2 (pre-activation) bottleneck: batch norm and relu first, the stride on the 3x3
    convolution, an identity shortcut subsampled by a 1x1 max pooling when the block strides."""
    preact = _batch_norm(name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        # Unnamed, as in tf.keras: the layer is called max_pooling2d, max_pooling2d_1, ...
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = _batch_norm(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = _batch_norm(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack2(x, filters, blocks, stride1=2, name=None):
    """`blocks` v2 bottlenecks: the first projects the shortcut, the last strides by `stride1`."""
    x = block2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=name + "_block" + str(i))
    return block2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def _v1_stacks(blocks):
    def stack_fn(x):
        x = stack1(x, 64, blocks[0], stride1=1, name="conv2")
        x = stack1(x, 128, blocks[1], name="conv3")
        x = stack1(x, 256, blocks[2], name="conv4")
        return stack1(x, 512, blocks[3], name="conv5")
    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, **kwargs):
    """Instantiates the ResNet50 architecture (tf.keras's arguments; `classifier_activation` through
    `**kwargs`, as tf.keras). Expects inputs processed by `resnet.preprocess_input` (caffe mode)."""
    return ResNet(_v1_stacks((3, 4, 6, 3)), False, True, "resnet50", include_top, weights, input_tensor,
                  input_shape, pooling, classes, **kwargs)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, **kwargs):
    """Instantiates the ResNet101 architecture (see `ResNet50`)."""
    return ResNet(_v1_stacks((3, 4, 23, 3)), False, True, "resnet101", include_top, weights, input_tensor,
                  input_shape, pooling, classes, **kwargs)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, **kwargs):
    """Instantiates the ResNet152 architecture (see `ResNet50`)."""
    return ResNet(_v1_stacks((3, 8, 36, 3)), False, True, "resnet152", include_top, weights, input_tensor,
                  input_shape, pooling, classes, **kwargs)


def preprocess_input(x, data_format=None):
    """RGB to BGR, then each channel zero-centred by ImageNet's means (imagenet_utils mode "caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
