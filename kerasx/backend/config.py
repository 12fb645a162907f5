"""Global settings of the Keras `K.` namespace: floatx, epsilon, image_data_format.

Initial values come from the config file (``$KERASX_HOME/kerasx.json``), as Keras's keras.json."""
import backends
from backends.config import read_config

_FLOATX = ("float16", "float32", "float64")
_FORMATS = ("channels_last", "channels_first")
_settings = None


def _get():
    global _settings
    if _settings is None:
        cfg = read_config()
        _settings = {}
        set_floatx(cfg["floatx"])
        set_epsilon(cfg["epsilon"])
        set_image_data_format(cfg["image_data_format"])
    return _settings


def floatx():
    """The default float type, 'float32' unless changed."""
    return _get()["floatx"]


def set_floatx(value):
    if value not in _FLOATX:
        raise ValueError(f"Unknown floatx type: {value!r}. Expected one of {_FLOATX}.")
    s = _settings if _settings is not None else _get()
    s["floatx"] = str(value)


def epsilon():
    """The fuzz factor used in numeric expressions (1e-7 by default)."""
    return _get()["epsilon"]


def set_epsilon(value):
    s = _settings if _settings is not None else _get()
    s["epsilon"] = float(value)


def image_data_format():
    return _get()["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in _FORMATS:
        raise ValueError(f"Unknown data_format: {data_format!r}. Expected one of {_FORMATS}.")
    s = _settings if _settings is not None else _get()
    s["image_data_format"] = str(data_format)


def backend():
    """The name of the active kernel backend: 'numpy' or 'cupy'."""
    return backends.get().name
