"""`keras.applications`: tf.keras 2.x's architectures, with its layer names, layer counts and
parameter counts, `weights=None | 'imagenet' | path` and each family's `preprocess_input` and
`decode_predictions`. One module per tf.keras module (`vgg16`, `resnet`, ...); the shared input-shape,
weights and preprocessing helpers are in `imagenet_utils`.
"""
from kerasx.applications import imagenet_utils  # noqa: F401
from kerasx.applications import mobilenet_v2  # noqa: F401
from kerasx.applications.mobilenet_v2 import MobileNetV2  # noqa: F401
from kerasx.applications import mobilenet  # noqa: F401
from kerasx.applications.mobilenet import MobileNet  # noqa: F401

# VGG, ResNet, ResNetV2, ResNetRS

# DenseNet, InceptionV3, InceptionResNetV2, Xception, NASNet

# MobileNetV3, EfficientNet, EfficientNetV2
from kerasx.applications import mobilenet_v3  # noqa: F401
from kerasx.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: F401
from kerasx.applications import efficientnet  # noqa: F401
from kerasx.applications.efficientnet import (  # noqa: F401
    EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4, EfficientNetB5, EfficientNetB6,
    EfficientNetB7)
from kerasx.applications import efficientnet_v2  # noqa: F401
from kerasx.applications.efficientnet_v2 import (  # noqa: F401
    EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
    EfficientNetV2S)

# ConvNeXt, RegNet
