"""VGG19 as tf.keras 2.x's `keras.applications.vgg19`: VGG16's network (`vgg16.build_vgg`) with four
convolutions in blocks 3 to 5 (`block3_conv4`, ...), its own weights files and hashes."""
from kerasx.applications import imagenet_utils
from kerasx.applications.vgg16 import build_vgg

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
WEIGHTS_PATH = BASE_WEIGHTS_PATH + "vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = BASE_WEIGHTS_PATH + "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """Instantiates the VGG19 architecture (tf.keras's arguments). Expects inputs processed by
    `vgg19.preprocess_input` (RGB to BGR, zero-centred by ImageNet's channel means)."""
    return build_vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES)


def preprocess_input(x, data_format=None):
    """RGB to BGR, then each channel zero-centred by ImageNet's means (imagenet_utils mode "caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
