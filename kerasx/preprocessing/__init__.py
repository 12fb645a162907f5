"""`keras.preprocessing`: tf.keras 2.x's legacy sequence, text and image-file utilities (`sequence`, `text`,
`image`) and the dataset builders it re-exports (`image_dataset_from_directory`,
`text_dataset_from_directory`, `timeseries_dataset_from_array`)."""
from kerasx.preprocessing import image, sequence, text
from kerasx.utils.image_dataset import image_dataset_from_directory
from kerasx.utils.text_dataset import text_dataset_from_directory
from kerasx.utils.timeseries_dataset import timeseries_dataset_from_array
