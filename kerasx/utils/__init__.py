"""`keras.utils`: helpers that are not layers, models or ops."""
from kerasx.saving.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                               get_registered_name, get_registered_object,
                                               register_keras_serializable)
from kerasx.utils.random import set_random_seed
