"""VGG16 (Simonyan & Zisserman, 2015) as tf.keras 2.x's `keras.applications.vgg16`: five blocks of 3x3
convolutions and 2x2 max pooling, then the three fully-connected layers `fc1`, `fc2`, `predictions`.
`build_vgg` is also VGG19's body (the two differ only in convolutions per block)."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
WEIGHTS_PATH = BASE_WEIGHTS_PATH + "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = BASE_WEIGHTS_PATH + "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
# (with top, without top), as tf.keras's get_file calls check them.
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")

_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, model_name, include_top, weights, input_tensor, input_shape, pooling,
              classes, classifier_activation, weights_paths, weights_hashes):
    """A VGG network with `convs_per_block[i]` convolutions in block i+1, tf.keras's checks, names
    (`block<b>_conv<c>`, `block<b>_pool`) and head; loads `weights` as tf.keras does."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)

    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=model_name)
    origin = weights_paths[0] if include_top else weights_paths[1]
    return imagenet_utils.load_application_weights(
        model, weights, origin.rsplit("/", 1)[-1], origin, weights_hashes[0 if include_top else 1])


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """Instantiates the VGG16 architecture (tf.keras's arguments). Expects inputs processed by
    `vgg16.preprocess_input` (RGB to BGR, zero-centred by ImageNet's channel means)."""
    return build_vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES)


def preprocess_input(x, data_format=None):
    """RGB to BGR, then each channel zero-centred by ImageNet's means (imagenet_utils mode "caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
