"""Reading the user's configuration file, ``$KERASX_HOME/kerasx.json``.

The file has the fields of Keras's ``keras.json`` (backend, floatx, epsilon, image_data_format). It lives
here, not in ``kerasx``, because backend selection needs it and ``backends`` never imports ``kerasx``.
"""
import json
import os

DEFAULTS = {
    "backend": "numpy",
    "floatx": "float32",
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
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
