"""`keras.preprocessing.image`: tf.keras 2.x's image file helpers, `smart_resize`, `ImageDataGenerator`,
its iterators and the `random_*`/`apply_*` host-side transforms, from the modules that build them."""
from kerasx.preprocessing.image_data_generator import ImageDataGenerator
from kerasx.preprocessing.image_dataframe_iterator import DataFrameIterator
from kerasx.preprocessing.image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator
from kerasx.preprocessing.image_transforms import (apply_affine_transform, apply_brightness_shift,
                                                   apply_channel_shift, random_brightness,
                                                   random_channel_shift, random_rotation, random_shear,
                                                   random_shift, random_zoom)
from kerasx.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
           "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift", "array_to_img",
           "img_to_array", "load_img", "random_brightness", "random_channel_shift", "random_rotation",
           "random_shear", "random_shift", "random_zoom", "save_img", "smart_resize"]
