"""`keras.preprocessing.image`: tf.keras 2.x's image file helpers and `smart_resize`, where it keeps them
too (`ImageDataGenerator`, its iterators and the `random_*`/`apply_*` transforms are not built yet)."""
from kerasx.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
