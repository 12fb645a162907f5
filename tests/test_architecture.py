"""Project-wide static checks (DESIGN.md, CUPY.md): the import direction between the layers (and which
frontend modules may reach the kernels), module sizes, the CuPy API the generic kernels use, and that
every CUDA source compiles."""
import ast
import glob
import inspect
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Frontend modules that may import NumPy, each for a host-side job at the edge (DESIGN.md: the frontend
# never computes on tensors with an array library). Add a file here only with its reason, and say the
# same on its import line.
NUMPY_ALLOWED = {
    "kerasx/autodiff/gradcheck.py": "test utility: builds perturbed float64 host copies of the inputs",
    "kerasx/engine/batching.py": "input handling: splits user arrays, turns class weights into weights",
    "kerasx/engine/data_adapter.py": "input handling: user arrays are converted and shuffled on the host",
    "kerasx/engine/data_checks.py": "input handling: user arrays are inspected before they reach a device",
    "kerasx/losses/utils.py": "class labels: the range of host labels is measured on the host, no D2H",
    "kerasx/initializers.py": "initial weights are drawn on the host from one seeded generator",
    "kerasx/utils/random.py": "initial weights are drawn on the host from one seeded generator",
    "kerasx/utils/np_utils.py": "host-side helpers on user arrays (to_categorical, normalize)",
    "kerasx/data/structure.py": "input pipeline: dataset elements live on the host until fit moves a batch",
    "kerasx/data/transforms.py": "input pipeline: index permutations and batches are built on the host",
    "kerasx/data/sources.py": "input pipeline: dataset elements are NumPy arrays on the host",
    "kerasx/datasets/digits.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/readers.py": "dataset loading: .npz, IDX and pickled files read into host arrays",
    "kerasx/datasets/cifar.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/cifar10.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/cifar100.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/boston_housing.py": "dataset loading: the seeded shuffle and split on the host",
    "kerasx/datasets/imdb.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/reuters.py": "dataset loading, before anything reaches a backend",
    "kerasx/datasets/word_sequences.py": "dataset loading: word-index lists re-indexed on the host",
    "kerasx/utils/sequence_utils.py": "host-side: user sequences padded into one NumPy array (pad_sequences)",
    "kerasx/utils/dataset_utils.py": "input pipeline: split_dataset gathers and stacks samples on the host",
    "kerasx/utils/timeseries_dataset.py": "input pipeline: window positions built on the host for a Dataset",
    "kerasx/applications/imagenet_utils.py": "host-side: preprocess_input and decode_predictions on user "
                                             "NumPy arrays, as tf.keras",
    "kerasx/utils/image_utils.py": "host-side: PIL images converted to and from host arrays (Pillow)",
    "kerasx/utils/image_dataset.py": "input pipeline: decoded image files are host arrays for a Dataset",
    "kerasx/utils/text_dataset.py": "input pipeline: file contents are host string arrays for a Dataset",
    "kerasx/utils/directory_dataset.py": "input pipeline: file lists, labels and their shuffle on the host",
    "kerasx/preprocessing/image_transforms.py": "host-side: user image arrays resampled and shifted on the host",
    "kerasx/preprocessing/image_iterators.py": "host-side: user arrays and decoded files batched on the host",
    "kerasx/preprocessing/image_dataframe_iterator.py": "host-side: DataFrame labels encoded on the host",
    "kerasx/preprocessing/image_data_generator.py": "host-side: augmentation and fit statistics on host arrays",
    "kerasx/preprocessing/sequence.py": "host-side: windows and sampling tables built from user arrays",
    "kerasx/preprocessing/text.py": "host-side: texts turned into NumPy matrices before reaching a device",
    "kerasx/wrappers/sklearn_wrapper.py": "scikit-learn hands and takes NumPy arrays: targets reshaped for its "
        "OneHotEncoder and back, predictions returned as NumPy",
    "kerasx/wrappers/scikit_learn.py": "scikit-learn hands and takes NumPy arrays: labels mapped to classes "
                                       "and probabilities shaped on the host",
    "kerasx/distribute/communicator.py": "MPI sends and receives host buffers (device arrays are copied "
                                         "to and from them by .numpy()/as_tensor, counted)",
    "kerasx/layers/preprocessing/quantiles.py": "adapt: quantile summaries of user data on the host, as "
                                                "tf.keras's numpy_function",
    "kerasx/layers/preprocessing/string_ops.py": "strings never reach a device: host string arrays are "
                                                 "converted, standardized and split on the host",
    "kerasx/layers/preprocessing/hash_functions.py": "strings never reach a device: TensorFlow's string "
                                                     "hashes are computed on host arrays",
    "kerasx/layers/preprocessing/encoding.py": "categorical indices are on the host (lookups and hashes run "
                                               "there): rows are counted there and moved to the device once",
    "kerasx/layers/preprocessing/lookup_tables.py": "strings never reach a device: vocabulary lookups and "
                                                    "adapt's token counts run on host arrays",
    "kerasx/saving/serialization_lib.py": "configs are host data: `__numpy__` entries rebuilt as NumPy arrays",
    "kerasx/utils/audio_dataset.py": "input pipeline: decoded WAV files are host arrays for a Dataset",
}
ARRAY_LIBRARIES = {"numpy", "cupy", "cupyx"}

# The layers that call kernels: the differentiable ops (and the in-place state updates in kerasx/ops) and
# the tape. Every other frontend module computes through them and through `Variable` methods.
KERNEL_CALLERS = ("kerasx/ops/", "kerasx/autodiff/")
# Frontend modules outside KERNEL_CALLERS that may import the `backends` kernel package, each for a job
# no op does. Add a file here only with its reason.
BACKENDS_ALLOWED = {
    "kerasx/backend/__init__.py": "K.synchronize() waits for the device's queued kernels (timing code); "
                                  "K.backend() names the active kernel set",
    "kerasx/saving/writer.py": "files record the backend that wrote them (the `backend` root attribute)",
    "kerasx/utils/random.py": "set_random_seed also seeds the device generator that per-step randomness uses",
}
MAX_LINES = 600

# The generic kernels and the CuPy backend: everything they reach through `xp` must exist in CuPy.
CUPY_CHECKED = sorted(["backends/generic.py", "backends/cupy_backend.py", "backends/cuda_modules.py"] + [
    os.path.relpath(p, ROOT).replace(os.sep, "/")
    for pattern in ("generic_*.py", "cupy_*.py")
    for p in glob.glob(os.path.join(ROOT, "backends", pattern))])


def _py_files(package):
    return sorted(os.path.relpath(p, ROOT).replace(os.sep, "/")
                  for p in glob.glob(os.path.join(ROOT, package, "**", "*.py"), recursive=True))


def _parse(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return ast.parse(f.read(), filename=rel)


def _imports(tree):
    """``(top-level module name, line)`` for each absolute import, including ``importlib.import_module``
    and ``__import__`` calls with a literal name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.args[0].value.split(".")[0], node.lineno


# ---------------------------------------------------------------- (a) the import direction
@pytest.mark.parametrize("rel", _py_files("backends"))
def test_backends_never_import_kerasx(rel):
    bad = [line for name, line in _imports(_parse(rel)) if name == "kerasx"]
    assert not bad, f"{rel} imports kerasx at line(s) {bad}: backends/ is the bottom layer (DESIGN.md)"


@pytest.mark.parametrize("rel", _py_files("kerasx"))
def test_frontend_does_not_import_array_libraries(rel):
    found = [(name, line) for name, line in _imports(_parse(rel)) if name in ARRAY_LIBRARIES]
    cupy = [f for f in found if f[0] != "numpy"]
    assert not cupy, f"{rel} imports {cupy}: kerasx/ reaches CuPy only through backends.get() kernels"
    if found and rel not in NUMPY_ALLOWED:
        pytest.fail(f"{rel} imports numpy at line(s) {[line for _, line in found]}. Frontend code computes "
                    "through kerasx.ops or backends.get() kernels; host-side edge code may import numpy if "
                    "it is added to NUMPY_ALLOWED in tests/test_architecture.py with its reason.")


@pytest.mark.parametrize("rel", sorted(NUMPY_ALLOWED))
def test_numpy_allowlist_entries_are_live_and_commented(rel):
    assert NUMPY_ALLOWED[rel].strip(), f"{rel}: the allowlist entry needs a reason"
    assert os.path.exists(os.path.join(ROOT, rel)), f"{rel} is allowlisted but does not exist: remove it"
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        lines = f.read().splitlines()
    numpy_lines = [line for name, line in _imports(ast.parse("\n".join(lines))) if name == "numpy"]
    assert numpy_lines, f"{rel} is allowlisted but no longer imports numpy: remove it from NUMPY_ALLOWED"
    uncommented = [n for n in numpy_lines if "#" not in lines[n - 1]]
    assert not uncommented, (
        f"{rel}: say why on the numpy import line(s) {uncommented} (a `# host-side: ...` comment)")


def _frontend_outside_kernel_callers():
    return [rel for rel in _py_files("kerasx") if not rel.startswith(KERNEL_CALLERS)]


# Modules of `backends` that hold no kernels and no arrays: the settings (floatx, epsilon,
# image_data_format, read from keras.json) and the conv/pool length arithmetic shared with the kernels.
# They sit on the bottom floor so that every floor can read them; any frontend module may import them.
BACKENDS_PURE = {"backends.config", "backends.conv_arithmetic"}


def _dotted_imports(tree):
    """``(full module name, line)`` for each absolute import, as `_imports` but keeping the whole name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.args[0].value, node.lineno


def _backends_imports(tree):
    """Lines importing the kernel package (`import backends`, `from backends.x import y`, late ones too),
    leaving out the kernel-free modules of BACKENDS_PURE."""
    return [line for name, line in _dotted_imports(tree)
            if name.split(".")[0] == "backends" and name not in BACKENDS_PURE]


def _data_reads(tree):
    """Lines reading an attribute named ``data`` (``t.data``, ``getattr(t, "data")``): a Tensor's raw
    array, which only a kernel takes. ``kerasx.data`` (the input-pipeline package) is not a read."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "data":
            if not (isinstance(node.value, ast.Name) and node.value.id == "kerasx"):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value == "data":
                lines.append(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize("rel", _frontend_outside_kernel_callers())
def test_frontend_imports_backends_only_where_allowed(rel):
    lines = _backends_imports(_parse(rel))
    if lines and rel not in BACKENDS_ALLOWED:
        pytest.fail(f"{rel} imports backends at line(s) {lines}. Frontend code outside kerasx/ops and "
                    "kerasx/autodiff calls no kernel: compute with kerasx.ops, change state with Variable "
                    "methods or the update ops (kerasx/ops/updates.py), move data with as_tensor / .numpy(). "
                    "A job no op can do may be added to BACKENDS_ALLOWED in tests/test_architecture.py with "
                    "its reason.")


@pytest.mark.parametrize("rel", sorted(BACKENDS_ALLOWED))
def test_backends_allowlist_entries_are_live(rel):
    assert BACKENDS_ALLOWED[rel].strip(), f"{rel}: the allowlist entry needs a reason"
    assert not rel.startswith(KERNEL_CALLERS), f"{rel} is a kernel caller already: remove it"
    assert os.path.exists(os.path.join(ROOT, rel)), f"{rel} is allowlisted but does not exist: remove it"
    assert _backends_imports(_parse(rel)), (
        f"{rel} is allowlisted but no longer imports backends: remove it from BACKENDS_ALLOWED")


@pytest.mark.parametrize("rel", _frontend_outside_kernel_callers())
def test_frontend_reads_no_tensor_data(rel):
    lines = _data_reads(_parse(rel))
    assert not lines, (
        f"{rel} reads `.data` at line(s) {lines}: a Tensor's raw array is for kernels, which only kerasx/ops "
        "and kerasx/autodiff call. Use ops, Variable methods or .numpy(); an attribute of another object "
        "needs another name. (At run time KERAS_BACKEND=strict refuses Tensors and host arrays at every "
        "kernel.)")


def test_kernel_access_checks_catch_planted_code():
    """The two checks above can fail: each form of a backends import and of a `.data` read is found,
    and neither `kerasx.data` nor a kernel-free module (backends.config) is mistaken for one."""
    planted = ast.parse(
        "import backends\n"
        "from backends.generic import XPBackend\n"
        "import kerasx.data\n"
        "from backends.config import floatx\n"
        "def late(t, var):\n"
        "    import backends as b\n"
        "    importlib.import_module('backends.numpy_backend')\n"
        "    b.get().copy_(var.data, getattr(t, 'data'))\n"
        "    return kerasx.data.Dataset\n")
    assert _backends_imports(planted) == [1, 2, 6, 7]
    assert _data_reads(planted) == [8, 8]
    clean = ast.parse("from kerasx import ops\nimport kerasx.data\n"
                      "def f(v):\n    return ops.add(v, kerasx.data.Dataset)\n")
    assert _backends_imports(clean) == [] and _data_reads(clean) == []


# ---------------------------------------------------------------- (b) module size
@pytest.mark.parametrize("rel", _py_files("kerasx") + _py_files("backends"))
def test_module_size(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        n = sum(1 for _ in f)
    assert n <= MAX_LINES, f"{rel} has {n} lines (at most {MAX_LINES}): split it by job"


# ---------------------------------------------------------------- (c) CuPy static conformance
def _chain(node):
    """``['random', 'default_rng']`` for ``self.xp.random.default_rng`` / ``xp.random.default_rng``,
    with its root (``'xp'`` or ``'_rng'``, ``'cupyx'``); None for other attribute chains."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.reverse()
    if isinstance(node, ast.Name) and node.id == "self" and parts and parts[0] in ("xp", "_rng"):
        return parts[0], parts[1:]
    if isinstance(node, ast.Name) and node.id in ("xp", "cupyx"):
        return node.id, parts
    return None


def _uses(rel):
    """``{(root, 'a.b'): {keyword names used in calls}}`` for every attribute chain under a root."""
    uses = {}
    for node in ast.walk(_parse(rel)):
        if isinstance(node, ast.Attribute):
            found = _chain(node)
            if found and found[1]:
                uses.setdefault((found[0], ".".join(found[1])), set())
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found = _chain(node.func)
            if found and found[1]:
                kws = {k.arg for k in node.keywords if k.arg}
                uses.setdefault((found[0], ".".join(found[1])), set()).update(kws)
    return uses


def _resolve(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _unknown_keywords(fn, keywords):
    """Keywords `fn` does not accept, when its signature can be read (ufuncs and builtins cannot)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return set()
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return set()
    return keywords - {p.name for p in params}


@pytest.mark.parametrize("rel", CUPY_CHECKED)
def test_cupy_has_everything_the_kernels_use(rel):
    cupy = pytest.importorskip("cupy", reason="CuPy not installed: the static conformance check needs it")
    roots = {"xp": cupy, "_rng": cupy.random.Generator}
    uses = _uses(rel)
    assert any(root == "xp" for root, _ in uses), f"found no xp.<name> use in {rel}: is the walker broken?"
    missing, bad_kw = [], []
    for (root, dotted), keywords in sorted(uses.items()):
        if root == "cupyx":
            roots["cupyx"] = pytest.importorskip("cupyx")
        try:
            target = _resolve(roots[root], dotted)
        except AttributeError:
            missing.append(f"{'cupy' if root == 'xp' else root}.{dotted}")
            continue
        unknown = _unknown_keywords(target, keywords)
        if unknown:
            bad_kw.append(f"{dotted}({', '.join(sorted(unknown))}=)")
    assert not missing, f"{rel} uses names the installed CuPy {cupy.__version__} lacks: {missing}"
    assert not bad_kw, f"{rel} passes keywords CuPy {cupy.__version__} does not accept: {bad_kw}"


def test_generator_methods_exist_in_cupy():
    cupy = pytest.importorskip("cupy", reason="CuPy not installed: the static conformance check needs it")
    used = sorted({dotted for rel in CUPY_CHECKED for root, dotted in _uses(rel) if root == "_rng"})
    assert used, "the generic kernels draw nothing through self._rng: is the walker broken?"
    missing = [m for m in used if not hasattr(cupy.random.Generator, m)]
    assert not missing, f"cupy.random.Generator lacks {missing} (e.g. no `normal`: use standard_normal)"


def test_conformance_walker_flags_a_missing_name(tmp_path):
    """The checks above can fail: a NumPy-only name (CuPy has no `xp.random.default_rng().normal`)."""
    cupy = pytest.importorskip("cupy", reason="CuPy not installed: the static conformance check needs it")
    src = tmp_path / "probe.py"
    src.write_text("class K:\n    def f(self, xp):\n        self._rng.normal(0, 1)\n"
                   "        return xp.nansum(xp.asarray(1, dtype=None, bogus=2))\n")
    uses = _uses(os.path.relpath(str(src), ROOT))
    assert ("_rng", "normal") in uses and ("xp", "nansum") in uses
    assert not hasattr(cupy.random.Generator, "normal")
    assert _unknown_keywords(cupy.asarray, uses[("xp", "asarray")]) == {"bogus"}


# ---------------------------------------------------------------- (d) CUDA sources compile
CUDA_SOURCES = sorted(glob.glob(os.path.join(ROOT, "backends", "cuda", "*.cu")))


def _nvcc_or_skip():
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not on PATH: CUDA sources are compiled where the CUDA toolkit is installed")
    return nvcc


def _compile(nvcc, path):
    return subprocess.run([nvcc, "-arch=sm_90", "--ptx", path, "-o", os.devnull],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "path", CUDA_SOURCES or [pytest.param(None, marks=pytest.mark.skip(reason="no CUDA sources yet"))],
    ids=[os.path.basename(p) for p in CUDA_SOURCES] or ["none"])
def test_cuda_source_compiles(path):
    proc = _compile(_nvcc_or_skip(), path)
    assert proc.returncode == 0, f"nvcc failed on {os.path.relpath(path, ROOT)}:\n{proc.stderr}"


def test_nvcc_check_catches_a_broken_source(tmp_path):
    nvcc = _nvcc_or_skip()
    good, bad = tmp_path / "good.cu", tmp_path / "bad.cu"
    good.write_text('extern "C" __global__ void k(float* x) { x[threadIdx.x] *= 2.0f; }\n')
    bad.write_text('extern "C" __global__ void k(float* x) { x[threadIdx.x] *= undefined_name; }\n')
    assert _compile(nvcc, str(good)).returncode == 0
    proc = _compile(nvcc, str(bad))
    assert proc.returncode != 0 and "undefined_name" in proc.stderr
