"""`image_dataset_from_directory`: a `kerasx.data.Dataset` of the image files in a directory, with
labels from its subdirectories, as tf.keras 2.x. Files are decoded with Pillow (the `image` extra) and
resized with `tf.image.resize`'s arithmetic (kerasx.ops.image_resize)."""
import numpy as np  # host-side: decoded image files are host arrays before they become dataset elements

from kerasx.data.dataset import Dataset
from kerasx.ops import image_resize
from kerasx.utils import directory_dataset, image_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio=False):
    """One image file as a `(height, width, channels)` array: decoded as `color_mode` (the first frame
    of an animation), then resized to `image_size` (float32 out, but for "nearest", which keeps the
    file's dtype, as tf.image.resize), or the largest centred crop of its aspect ratio resized."""
    img = image_utils.load_img(path, color_mode=color_mode)
    x = np.asarray(img)
    if x.ndim == 2:
        x = x[:, :, None]
    height, width = image_size
    if crop_to_aspect_ratio:
        return image_resize.smart_resize(x, height, width, interpolation).numpy()
    return image_resize.resize(x, height, width, interpolation).numpy()


def _dataset(paths, image_size, color_mode, interpolation, crop_to_aspect_ratio):
    def load(path):
        return load_image(str(path), image_size, color_mode, interpolation, crop_to_aspect_ratio)
    return Dataset.from_tensor_slices(np.asarray(paths, dtype=object)).map(load)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, **kwargs):
    """A dataset of the images in `directory` (.bmp, .gif, .jpeg, .jpg, .png files).

    Args:
        directory: with `labels="inferred"`, one subdirectory per class (its images at any depth);
            otherwise the images anywhere below it.
        labels: "inferred" (the class index of each image's subdirectory), a list/tuple of one label
            per file in the sorted walk order, or None (images alone).
        label_mode: "int" (int32 scalars), "categorical" (float32 one-hot vectors), "binary" (float32
            `(1,)` vectors, two classes) or None (images alone).
        class_names: with `labels="inferred"`, the subdirectory names in the order of their indices
            (default: alphanumeric order).
        color_mode: "grayscale", "rgb" or "rgba": 1, 3 or 4 channels.
        batch_size: images per batch; None gives single images.
        image_size: `(height, width)` every image is resized to.
        shuffle: whether to shuffle the files (with `seed`), and the training elements once more.
        seed: the shuffling seed (needed with a `validation_split` and `shuffle`).
        validation_split: the fraction of the files kept for validation (the last
            `int(validation_split * n)` after the shuffle).
        subset: "training", "validation" or "both" (a list of the two datasets).
        interpolation: "bilinear", "nearest", "bicubic" or "area" (tf.image.resize's methods kerasx has).
        follow_links: whether to visit subdirectories that are symbolic links.
        crop_to_aspect_ratio: resize the largest centred crop of `image_size`'s aspect ratio instead
            of the whole image (`smart_resize=` is accepted for it, as tf.keras).

    Returns:
        A `kerasx.data.Dataset` of `(images, labels)` (images alone without labels), with
        `class_names` and `file_paths` attributes; a list of two for `subset="both"`.
    """
    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"Unknown keywords argument(s): {tuple(kwargs.keys())}")
    directory_dataset.check_labels(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    interpolation = image_resize.check_interpolation("image_dataset_from_directory", interpolation)
    directory_dataset.check_validation_split_arg(validation_split, subset, shuffle, seed)
    image_utils.require_pil("image_dataset_from_directory")
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = directory_dataset.index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    parts = directory_dataset.subsets(
        paths, labels, validation_split, subset,
        lambda kind: f"No {kind}images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
    datasets = []
    for i, (part_paths, part_labels) in enumerate(parts):
        images = _dataset(part_paths, image_size, color_mode, interpolation, crop_to_aspect_ratio)
        dataset = directory_dataset.finish(images, part_labels, label_mode, class_names, batch_size,
                                           shuffle, seed, training=i == 0)
        dataset.file_paths = part_paths
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]
