"""`keras.utils`: helpers that are not layers, models or ops."""
from kerasx.saving.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                               get_registered_name, get_registered_object,
                                               register_keras_serializable)
from kerasx.utils.random import set_random_seed
from kerasx.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from kerasx.utils import legacy
from kerasx.engine.batching import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kerasx.utils.audio_dataset import audio_dataset_from_directory
from kerasx.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence, SequenceEnqueuer
from kerasx.utils.dataset_utils import split_dataset
from kerasx.utils.feature_space import FeatureSpace
from kerasx.utils.file_utils import get_file
from kerasx.utils.generic_utils import Progbar
from kerasx.utils.image_dataset import image_dataset_from_directory
from kerasx.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kerasx.utils.io_utils import (disable_interactive_logging, enable_interactive_logging,
                                   is_interactive_logging_enabled)
from kerasx.utils.layer_utils import get_source_inputs, warmstart_embedding_matrix
from kerasx.utils.np_utils import normalize, to_categorical, to_ordinal
from kerasx.utils.sequence_utils import pad_sequences
from kerasx.utils.text_dataset import text_dataset_from_directory
from kerasx.utils.timed_threads import TimedThread
from kerasx.utils.vis_utils import model_to_dot, plot_model
from kerasx.utils.timeseries_dataset import timeseries_dataset_from_array
