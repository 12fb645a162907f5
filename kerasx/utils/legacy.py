"""`keras.utils.legacy`: the Keras 2 serialization (``{"class_name", "config"}`` dicts, functions by
name) that kerasx's model files use. `keras.utils.serialize_keras_object` writes tf.keras 2.13+'s newer format
(with "module" and "registered_name"; `kerasx.saving.serialization_lib`)."""
from kerasx.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
