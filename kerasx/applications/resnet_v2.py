"""ResNetV2 (He et al., 2016, identity mappings) as tf.keras 2.x's `keras.applications.resnet_v2`:
`resnet.ResNet` with pre-activation stacks (`resnet.stack2`), the stride on each stack's last block,
and "tf"-mode `preprocess_input` (scaled to [-1, 1])."""
from kerasx.applications import imagenet_utils
from kerasx.applications.resnet import ResNet, stack2


def _v2_stacks(blocks):
    def stack_fn(x):
        x = stack2(x, 64, blocks[0], name="conv2")
        x = stack2(x, 128, blocks[1], name="conv3")
        x = stack2(x, 256, blocks[2], name="conv4")
        return stack2(x, 512, blocks[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet50V2 architecture (tf.keras's arguments). Expects inputs processed by
    `resnet_v2.preprocess_input` (scaled to [-1, 1])."""
    return ResNet(_v2_stacks((3, 4, 6, 3)), True, True, "resnet50v2", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation=classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet101V2 architecture (see `ResNet50V2`)."""
    return ResNet(_v2_stacks((3, 4, 23, 3)), True, True, "resnet101v2", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation=classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet152V2 architecture (see `ResNet50V2`)."""
    return ResNet(_v2_stacks((3, 8, 36, 3)), True, True, "resnet152v2", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation=classifier_activation)


def preprocess_input(x, data_format=None):
    """Scales images in [0, 255] to [-1, 1] (imagenet_utils mode "tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
