"""The configuration: the user's file ``$KERASX_HOME/kerasx.json`` and the settings it starts.

The file has the fields of Keras's ``keras.json`` (backend, floatx, epsilon, image_data_format), and one of
kerasx's own: ``cpu_kernels``, the NumPy backend's kernel provider (`backends.cpu_kernels`). This one
module owns them: backend selection reads the file here, and the settings Keras exposes as
``K.floatx()``, ``K.epsilon()`` and ``K.image_data_format()`` (re-exported by ``kerasx.backend``) live
here too, on the bottom floor, so that ``kerasx.autodiff`` and ``kerasx.ops`` read floatx without
importing the frontend's ``K`` namespace, and ``backends`` never imports ``kerasx``.
"""
import json
import os

DEFAULTS = {
    "backend": "numpy",
    "floatx": "float32",
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
    "cpu_kernels": "auto",
}


def config_dir():
    """The configuration folder: ``$KERASX_HOME`` if set, else ``~/.kerasx``."""
    home = os.environ.get("KERASX_HOME")
    if home:
        return home
    return os.path.join(os.path.expanduser("~"), ".kerasx")


def config_path():
    return os.path.join(config_dir(), "kerasx.json")


def read_config():
    """The settings in the configuration file merged over the defaults.

    A missing file gives the defaults; a file that is not a JSON object is an error that names the file,
    because silently ignoring a broken config would run on a backend the user did not choose.
    """
    settings = dict(DEFAULTS)
    path = config_path()
    if not os.path.exists(path):
        return settings
    try:
        with open(path) as f:
            loaded = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not read the kerasx configuration file {path}: {e}") from e
    if not isinstance(loaded, dict):
        raise ValueError(
            f"The kerasx configuration file {path} must hold a JSON object, received {type(loaded).__name__}.")
    _check_fields(path, loaded)
    settings.update(loaded)
    return settings


# Allowed values, checked here so that a bad value names the file it came from instead of surfacing later
# as an error from whichever setter first reads it.
_CHOICES = {
    "floatx": ("float16", "float32", "float64"),
    "image_data_format": ("channels_last", "channels_first"),
    "cpu_kernels": ("auto", "numpy", "onednn"),
}


def _check_fields(path, loaded):
    for key, choices in _CHOICES.items():
        if key in loaded and loaded[key] not in choices:
            raise ValueError(
                f"The kerasx configuration file {path}: {key!r} must be one of {choices}, "
                f"received {loaded[key]!r}.")
    eps = loaded.get("epsilon", DEFAULTS["epsilon"])
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(
            f"The kerasx configuration file {path}: 'epsilon' must be a positive number, received {eps!r}.")
    if not isinstance(loaded.get("backend", ""), str):
        raise ValueError(
            f"The kerasx configuration file {path}: 'backend' must be a string such as \"numpy\", "
            f"received {loaded['backend']!r}.")


# ---------------------------------------------------------------- the K settings
_FLOATX = _CHOICES["floatx"]
_FORMATS = _CHOICES["image_data_format"]
# Read from the file on first use (not at import), so that $KERASX_HOME can still be set before then.
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


# ---------------------------------------------------------------- data checks
# Not a keras.json field: it is a per-program decision (a user who masks non-finite labels turns it off
# in the script that does so), so it lives here with the other settings but is not read from the file.
_nonfinite_data_check = [True]


def nonfinite_data_check_enabled():
    """Whether `fit`/`evaluate` refuse NaN and infinity in their host input arrays (True by default)."""
    return _nonfinite_data_check[0]


def set_nonfinite_data_check(enabled):
    if not isinstance(enabled, bool):
        raise ValueError(f"The non-finite data check is switched with True or False; received {enabled!r}.")
    _nonfinite_data_check[0] = enabled
