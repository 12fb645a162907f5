"""Choosing the kernel backend: set_backend > KERAS_BACKEND > $KERASX_HOME/kerasx.json > numpy, the K
settings read from the same file, and the error for each way a choice can fail."""
import json
import os
import re
import subprocess
import sys
import types

import pytest

import backends
from backends import CupyUnavailableError
from backends.config import config_path
from backends import config as k_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No active backend, no KERAS_BACKEND, an empty $KERASX_HOME and unread K settings; all restored
    after the test. Returns a function writing the config file."""
    monkeypatch.setattr(backends, "_active", None)
    monkeypatch.setattr(k_config, "_settings", None)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERASX_HOME", str(tmp_path))

    def write(content):
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / "kerasx.json").write_text(text)
        return str(tmp_path / "kerasx.json")

    return write


def _nothing_chained(error):
    """The message is the whole story: Python prints no CuPy traceback before ours."""
    return error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def _cupy_runs():
    try:
        backends.make("cupy")
    except CupyUnavailableError:
        return False
    return True


# ---------------------------------------------------------------- choosing
def test_default_is_numpy_without_env_or_file(fresh):
    assert backends.get().name == "numpy"
    assert backends.default_name() == "numpy"


def test_env_var_selects_and_is_normalised(fresh, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "  NumPy ")
    assert backends.get().name == "numpy"


def test_empty_env_var_falls_through_to_the_file(fresh, monkeypatch):
    fresh({"backend": "does-not-exist"})
    monkeypatch.setenv("KERAS_BACKEND", "")
    with pytest.raises(ValueError, match="does-not-exist"):
        backends.get()


def test_config_file_selects(fresh):
    fresh({"backend": "numpy"})
    assert backends.default_name() == "numpy"
    assert backends.get().name == "numpy"


def test_env_var_beats_config_file(fresh, monkeypatch):
    fresh({"backend": "not-a-backend"})
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    assert backends.get().name == "numpy"


def test_set_backend_beats_env_var(fresh, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "not-a-backend")
    chosen = backends.set_backend("numpy")
    assert backends.get() is chosen
    assert chosen.name == "numpy"


def test_set_backend_reactivates_an_instance_with_its_generator(fresh):
    def draw(b):
        return b.to_numpy(b.uniform((3,), 0.0, 1.0, "float32"))

    reference = backends.make("numpy")
    reference.seed(5)
    expected = [draw(reference), draw(reference)]
    first = backends.set_backend("numpy")
    first.seed(5)
    got = [draw(first)]
    other = backends.set_backend("numpy")
    assert other is not first
    assert backends.set_backend(first) is first and backends.get() is first
    got.append(draw(backends.get()))  # continues the stream instead of restarting it
    assert all((g == e).all() for g, e in zip(got, expected))


@pytest.mark.parametrize("name", ["numpy", "cupy"])
def test_k_backend_names_the_active_backend(fresh, monkeypatch, name):
    monkeypatch.setenv("KERAS_BACKEND", name)
    if name == "cupy" and not _cupy_runs():
        pytest.skip("cupy backend unavailable here (no CUDA device or no CuPy)")
    import kerasx.backend as K
    assert K.backend() == name


def test_available_lists_what_runs_here(fresh):
    names = backends.available()
    assert "numpy" in names
    assert ("cupy" in names) == _cupy_runs()


def test_config_dir_defaults_to_home(monkeypatch, tmp_path):
    monkeypatch.delenv("KERASX_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path() == os.path.join(str(tmp_path), ".kerasx", "kerasx.json")


# ---------------------------------------------------------------- the K settings from the same file
def test_k_settings_come_from_the_config_file(fresh):
    fresh({"backend": "numpy", "floatx": "float64", "epsilon": 1e-4,
           "image_data_format": "channels_first"})
    import kerasx.backend as K
    from kerasx import ops
    assert K.floatx() == "float64"
    assert K.epsilon() == 1e-4
    assert K.image_data_format() == "channels_first"
    assert ops.zeros((2,)).dtype == "float64"


def test_k_settings_default_without_a_file(fresh):
    import kerasx.backend as K
    assert (K.floatx(), K.epsilon(), K.image_data_format()) == ("float32", 1e-7, "channels_last")


def test_unknown_fields_are_ignored_as_keras_does(fresh):
    fresh({"backend": "numpy", "floatx": "float32", "something_new": [1, 2]})
    import kerasx.backend as K
    assert K.floatx() == "float32"


# ---------------------------------------------------------------- errors
def test_unknown_name_from_env_lists_the_valid_ones(fresh, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match=re.escape(
            "Unknown backend 'tensorflow' (from the KERAS_BACKEND environment variable): expected one "
            "of 'numpy', 'cupy', 'strict'.")):
        backends.get()


def test_unknown_name_from_file_names_the_file(fresh):
    path = fresh({"backend": "jax"})
    message = f"Unknown backend 'jax' (from the 'backend' field of {path})"
    with pytest.raises(ValueError, match=re.escape(message)):
        backends.get()


def test_unknown_name_in_set_backend_keeps_the_active_backend(fresh):
    before = backends.set_backend("numpy")
    message = "Unknown backend 'torch' (from set_backend()): expected one"
    with pytest.raises(ValueError, match=re.escape(message)):
        backends.set_backend("torch")
    assert backends.get() is before


def test_cupy_without_cupy_names_the_extras(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    with pytest.raises(CupyUnavailableError, match=r"pip install kerasx\[cuda12\]") as info:
        backends.make("cupy")
    assert "kerasx[cuda13]" in str(info.value)
    assert _nothing_chained(info.value)


def test_cupy_without_a_device_says_so(fresh, monkeypatch):
    fake = types.ModuleType("cupy")

    def is_available():
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient\nmore detail")

    fake.is_available = is_available
    monkeypatch.setitem(sys.modules, "cupy", fake)
    message = ("The 'cupy' backend needs a CUDA device, but CuPy found none (RuntimeError: "
               "cudaErrorInsufficientDriver: CUDA driver version is insufficient). Check the NVIDIA driver")
    with pytest.raises(CupyUnavailableError, match=re.escape(message)) as info:
        backends.make("cupy")
    assert "\n" not in str(info.value)
    assert _nothing_chained(info.value)


def test_failed_selection_leaves_no_backend_behind(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setenv("KERAS_BACKEND", "cupy")
    with pytest.raises(CupyUnavailableError):
        backends.get()
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    assert backends.get().name == "numpy"


_SNIPPET = "import kerasx.backend as K; K.backend()"
_NO_CUPY = "import sys; sys.modules['cupy'] = None; "


def _run_selection(code, tmp_path):
    env = dict(os.environ, KERAS_BACKEND="cupy", KERASX_HOME=str(tmp_path), PYTHONPATH=REPO)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("case", ["no_cupy", "no_device"])
def test_command_line_failure_ends_in_one_clear_line(tmp_path, case):
    """The user sees our traceback ending in one self-sufficient line; no CuPy frames, no chained
    exception from inside CuPy."""
    if case == "no_device":
        cupy = pytest.importorskip("cupy", reason="CuPy not installed: the no-device path needs it")
        if cupy.is_available():
            pytest.skip("a CUDA device is present: the no-device error cannot happen here")
        code, expected = _SNIPPET, "The 'cupy' backend needs a CUDA device"
    else:
        code, expected = _NO_CUPY + _SNIPPET, "The 'cupy' backend needs CuPy"
    proc = _run_selection(code, tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("backends.cupy_backend.CupyUnavailableError: " + expected), proc.stderr
    # Only one line outside the indented frames besides the "Traceback" header: one exception printed.
    unindented = [line for line in lines if not line.startswith(" ")]
    assert unindented == ["Traceback (most recent call last):", lines[-1]], proc.stderr
    assert "During handling" not in proc.stderr and "direct cause" not in proc.stderr
    assert not any(re.search(r"[/\\]cupy[/\\]|cupy_backends", line) for line in lines if "File" in line)


@pytest.mark.parametrize("content, message", [
    ("{not json", "Could not read the kerasx configuration file {path}: "),
    ("[1, 2]", "The kerasx configuration file {path} must hold a JSON object, received list."),
    ('{"floatx": "float8"}',
     "The kerasx configuration file {path}: 'floatx' must be one of ('float16', 'float32', 'float64'), "
     "received 'float8'."),
    ('{"image_data_format": "NHWC"}',
     "The kerasx configuration file {path}: 'image_data_format' must be one of ('channels_last', "
     "'channels_first'), received 'NHWC'."),
    ('{"epsilon": "tiny"}',
     "The kerasx configuration file {path}: 'epsilon' must be a positive number, received 'tiny'."),
    ('{"backend": 3}',
     "The kerasx configuration file {path}: 'backend' must be a string such as \"numpy\", received 3."),
])
def test_broken_config_file_names_the_file(fresh, content, message):
    path = fresh(content)
    with pytest.raises(ValueError, match=re.escape(message.format(path=path))):
        backends.get()
    import kerasx.backend as K
    with pytest.raises(ValueError, match=re.escape(path)):
        K.floatx()


# ---------------------------------------------------------------- found at `import kerasx`
def _import_kerasx(tmp_path, env, code="import kerasx"):
    env = dict(os.environ, KERASX_HOME=str(tmp_path), PYTHONPATH=REPO, **env)
    if env.get("KERAS_BACKEND") is None:
        env.pop("KERAS_BACKEND")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def _last_line(proc):
    assert proc.returncode == 1, proc.stderr
    return proc.stderr.strip().splitlines()[-1]


def test_an_unknown_name_in_the_environment_fails_at_import(tmp_path):
    proc = _import_kerasx(tmp_path, {"KERAS_BACKEND": "tensorflow"}, "import kerasx; kerasx.Sequential()")
    assert _last_line(proc) == ("ValueError: Unknown backend 'tensorflow' (from the KERAS_BACKEND environment "
                                "variable): expected one of 'numpy', 'cupy', 'strict'.")


def test_an_unknown_name_in_the_config_file_fails_at_import(tmp_path):
    (tmp_path / "kerasx.json").write_text(json.dumps({"backend": "jax"}))
    proc = _import_kerasx(tmp_path, {"KERAS_BACKEND": None})
    assert _last_line(proc) == (f"ValueError: Unknown backend 'jax' (from the 'backend' field of "
                                f"{tmp_path / 'kerasx.json'}): expected one of 'numpy', 'cupy', 'strict'.")


def test_cupy_without_cupy_fails_at_import(tmp_path):
    proc = _import_kerasx(tmp_path, {"KERAS_BACKEND": "cupy"}, _NO_CUPY + "import kerasx")
    assert _last_line(proc).startswith("backends.cupy_backend.CupyUnavailableError: The 'cupy' backend needs "
                                       "CuPy, which could not be imported. Install the extra")


def test_cupy_on_this_machine_fails_at_import_unless_a_device_runs_it(tmp_path):
    """No GPU (or no CuPy) here: `import kerasx` with KERAS_BACKEND=cupy says which is missing."""
    if _cupy_runs():
        pytest.skip("the cupy backend runs here, so importing kerasx with it succeeds")
    proc = _import_kerasx(tmp_path, {"KERAS_BACKEND": "cupy"})
    assert re.fullmatch(r"backends\.cupy_backend\.CupyUnavailableError: The 'cupy' backend needs (CuPy, which "
                        r"could not be imported|a CUDA device, but CuPy found none).*", _last_line(proc))


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_a_valid_name_imports_and_selects_at_once(tmp_path, name):
    proc = _import_kerasx(tmp_path, {"KERAS_BACKEND": name},
                          "import kerasx, backends; print(backends._active.name)")
    assert proc.returncode == 0 and proc.stdout.strip() == name, proc.stderr
