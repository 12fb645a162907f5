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
from kerasx.applications import densenet  # noqa: F401
from kerasx.applications.densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from kerasx.applications import inception_v3  # noqa: F401
from kerasx.applications.inception_v3 import InceptionV3  # noqa: F401
from kerasx.applications import xception  # noqa: F401
from kerasx.applications import inception_resnet_v2  # noqa: F401
from kerasx.applications.inception_resnet_v2 import InceptionResNetV2  # noqa: F401
from kerasx.applications.xception import Xception  # noqa: F401
from kerasx.applications import nasnet  # noqa: F401
from kerasx.applications.nasnet import NASNetLarge, NASNetMobile  # noqa: F401

# MobileNetV3, EfficientNet, EfficientNetV2

# ConvNeXt, RegNet
