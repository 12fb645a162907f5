"""benchmarks/gpu_check.sh: the no-device path (one line, exit 0, nothing installed or run), how it tells
the machine's states apart, its pytest plugin, its report, and the device path's steps run on the CPU
(--on-cpu)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import types

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "benchmarks")
SCRIPT = os.path.join(BENCH, "gpu_check.sh")
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import gpu_check  # noqa: E402
import gpu_report  # noqa: E402

# Loaded through PYTHONPATH by the command under test: logs every subprocess it starts, so a test can
# tell that nothing was installed (pip) or run (pytest, a benchmark).
AUDIT_HOOK = """\
import os, sys

def _log_subprocesses(event, args):
    if event == "subprocess.Popen":
        with open(os.environ["GPU_CHECK_AUDIT"], "a") as f:
            f.write(" ".join(map(str, args[1])) + "\\n")

sys.addaudithook(_log_subprocesses)
"""
NO_DEVICE = re.compile(r"gpu_check: no CUDA device found: (?P<why>.+)\. Nothing was installed or run\.")


def _fake_bin(tmp_path, nvidia_smi_says, status):
    """A folder for PATH holding an `nvidia-smi` that prints `nvidia_smi_says` and exits `status`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\necho '{nvidia_smi_says}'\nexit {status}\n")
    smi.chmod(0o755)
    return str(bin_dir)


def _run_check(tmp_path, *args, env_extra=None, path_first=None, hide_cupy=False, timeout=120):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(AUDIT_HOOK)
    if hide_cupy:
        (site / "cupy").mkdir()
        (site / "cupy" / "__init__.py").write_text('raise ImportError("hidden by the test")\n')
    audit = tmp_path / "audit.txt"
    audit.write_text("")
    env = dict(os.environ, PYTHON=sys.executable, GPU_CHECK_AUDIT=str(audit),
               PYTHONPATH=os.pathsep.join([str(site)] + ([os.environ["PYTHONPATH"]]
                                                          if os.environ.get("PYTHONPATH") else [])))
    if path_first:
        env["PATH"] = path_first + os.pathsep + env.get("PATH", "")
    env.update(env_extra or {})
    proc = subprocess.run(["bash", SCRIPT, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    return proc, audit.read_text().splitlines()


def _assert_no_device_line(tmp_path, proc, audit):
    out = tmp_path / "out"
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(lines) == 1 and NO_DEVICE.fullmatch(lines[0]), lines
    assert not out.exists(), "the no-device path wrote a report"
    assert not [c for c in audit if re.search(r" -m (pip|pytest)\b|bench_\w+\.py", c)], audit
    return NO_DEVICE.fullmatch(lines[0]).group("why")


# ---------------------------------------------------------------- the no-device path, for real
def test_no_device_where_cupy_is_missing_says_so_in_one_line(tmp_path):
    smi = _fake_bin(tmp_path, "No devices were found", 6)  # what nvidia-smi says without a GPU
    proc, audit = _run_check(tmp_path, str(tmp_path / "out"), path_first=smi, hide_cupy=True,
                             env_extra={"CUDA_VISIBLE_DEVICES": "0"})
    why = _assert_no_device_line(tmp_path, proc, audit)
    assert why == ("CuPy is not installed (hidden by the test), and nvidia-smi lists no GPU (No devices "
                   "were found)")


def test_no_device_where_cupy_sees_none_says_so_in_one_line(tmp_path):
    # This machine as it is (CI: CuPy installed, no GPU); on a machine with a device the command runs the
    # whole check instead, which is what the GPU machine runs it for.
    if importlib.util.find_spec("cupy") is None:
        pytest.skip("CuPy is not installed here: the missing-CuPy test covers this machine")
    state, why = gpu_check.probe()
    if state != "none":
        pytest.skip(f"this machine can use a CUDA device ({why}): the no-device path is not taken here")
    proc, audit = _run_check(tmp_path, str(tmp_path / "out"))
    assert re.fullmatch(r"CuPy \S+ sees no CUDA device \(.+\)", _assert_no_device_line(tmp_path, proc, audit))


def test_cuda_visible_devices_hiding_every_device_is_the_no_device_path(tmp_path):
    # Safe on a GPU machine too: nothing is probed, so this test never starts a nested check.
    proc, audit = _run_check(tmp_path, str(tmp_path / "out"), env_extra={"CUDA_VISIBLE_DEVICES": ""})
    assert _assert_no_device_line(tmp_path, proc, audit) == "CUDA_VISIBLE_DEVICES='' hides every device"
    assert audit == []


# ---------------------------------------------------------------- telling the states apart
def _fake_cupy(count_or_error):
    def count():
        if isinstance(count_or_error, Exception):
            raise count_or_error
        return count_or_error
    return types.SimpleNamespace(__version__="14.2.0",
                                 cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=count)))


H200 = "GPU 0: NVIDIA H200 (UUID: GPU-0)"


@pytest.mark.parametrize("cupy, gpus, state, why", [
    (_fake_cupy(1), [], "device", re.escape("CuPy 14.2.0 sees 1 device(s)")),
    (None, [H200], "install", rf"CuPy is not installed \(.*\), and nvidia-smi lists {re.escape(H200)}$"),
    (_fake_cupy(RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")), [H200], "broken",
     rf"nvidia-smi lists {re.escape(H200)}, but CuPy 14.2.0 cannot use it \(cudaErrorNoDevice: .*\): check"),
    (_fake_cupy(0), [], "none", r"CuPy 14.2.0 sees no CUDA device \(it counts 0; said\)"),
])
def test_probe_states(monkeypatch, cupy, gpus, state, why):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", cupy)  # None: `import cupy` raises ImportError
    monkeypatch.setattr(gpu_check, "_nvidia_smi_gpus", lambda: (gpus, "said"))
    got_state, got_why = gpu_check.probe()
    assert got_state == state and re.match(why, got_why), got_why


# ---------------------------------------------------------------- the pytest plugin
SAMPLE_TESTS = """
import pytest

def test_pass():
    pass

def test_fail():
    assert 1 == 2, "one is not two"

def test_skip():
    pytest.skip("not here")

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_setup_error(broken):
    pass
"""


def _plugin_run(tmp_path, deadline=None):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE_TESTS))
    (tmp_path / "test_bad_import.py").write_text("import no_such_module_for_gpu_check\n")
    results = tmp_path / "results.jsonl"
    results.write_text("")
    env = dict(os.environ, PYTHONPATH=BENCH, GPU_CHECK_RESULTS=str(results))
    env.pop("GPU_CHECK_DEADLINE", None)
    if deadline is not None:
        env["GPU_CHECK_DEADLINE"] = str(deadline)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "gpu_check_pytest",
                    "--continue-on-collection-errors", "--rootdir", str(tmp_path), str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                   text=True, timeout=120)
    with open(results, encoding="utf-8") as f:
        return gpu_report.load_results(f)


def test_plugin_records_each_outcome_with_its_first_line(tmp_path):
    got = {nodeid.split("::")[-1]: o for nodeid, o in _plugin_run(tmp_path).items()}
    assert got["test_pass"].status == "passed"
    assert got["test_fail"].status == "failed" and got["test_fail"].message == "AssertionError: one is not two"
    assert got["test_skip"].status == "skipped" and got["test_skip"].message == "not here"
    assert got["test_setup_error"].status == "error"
    assert got["test_setup_error"].message == "setup: RuntimeError: setup broke"
    assert got["test_bad_import.py"].status == "error" and "no_such_module_for_gpu_check" in got[
        "test_bad_import.py"].message


def test_plugin_skips_what_would_start_after_the_deadline(tmp_path):
    outcomes = _plugin_run(tmp_path, deadline=1.0)
    started = {n: o for n, o in outcomes.items() if not n.endswith("test_bad_import.py")}
    assert started and all(o.status == "skipped" and o.message == gpu_report.BUDGET_SKIP
                           for o in started.values())
    problems = gpu_report.problems_of(outcomes, on_device=False)
    assert sum(p.startswith("not run (test budget spent)") for p in problems) == len(started)


# ---------------------------------------------------------------- the report
def _lines(*records):
    return [json.dumps(dict({"duration": 0.5}, **r)) for r in records]


RESULTS = _lines(
    {"nodeid": "tests/backends/test_kernels_conv.py::test_conv[cupy]", "when": "setup", "outcome": "passed"},
    {"nodeid": "tests/backends/test_kernels_conv.py::test_conv[cupy]", "when": "call", "outcome": "failed",
     "message": "AssertionError: Not equal to tolerance"},
    {"nodeid": "tests/backends/test_kernels_conv.py::test_conv[numpy]", "when": "call", "outcome": "passed"},
    {"nodeid": "tests/layers/test_recurrent.py::test_lstm[cupy]", "when": "setup", "outcome": "skipped",
     "message": "cupy backend unavailable here: no device"},
    {"nodeid": "tests/layers/test_core.py::test_dense[numpy]", "when": "setup", "outcome": "passed"},
)


def test_results_become_one_outcome_per_test():
    outcomes = gpu_report.load_results(RESULTS)
    assert {n.split("::")[1]: o.status for n, o in outcomes.items()} == {
        "test_conv[cupy]": "failed", "test_conv[numpy]": "passed", "test_lstm[cupy]": "skipped",
        "test_dense[numpy]": "unfinished"}


@pytest.mark.parametrize("nodeid, family", [
    ("tests/backends/test_kernels.py::test_unary[cupy-exp]", "kernels"),
    ("tests/backends/test_kernels_conv.py::t", "conv"), ("tests/layers/test_conv_transpose.py::t", "conv"),
    ("tests/layers/test_conv_recurrent.py::t", "rnn"), ("tests/backends/test_kernels_rnn.py::t", "rnn"),
    ("tests/layers/test_pooling.py::t", "pool"), ("tests/layers/test_batch_norm_variants.py::t", "norm"),
    ("tests/layers/test_core.py::t", "layers"), ("tests/backends/test_selection.py::t", "backends"),
    ("tests/engine/test_host_syncs.py::t[cupy]", "engine"), ("tests/saving/test_atomic.py::t", "saving"),
    ("tests/ops/test_gradients.py::t", "autodiff"), ("tests/test_activations.py::t", "top-level"),
])
def test_families(nodeid, family):
    assert gpu_report.family_of(nodeid) == family


@pytest.mark.parametrize("nodeid, on_device", [
    ("tests/layers/test_core.py::test_dense[cupy]", True),
    ("tests/backends/test_kernels.py::test_compare[cupy-==-equal]", True),
    ("tests/autodiff/test_tape.py::test_dtype_is_kept_end_to_end[float32-cupy]", True),
    ("tests/backends/test_kernels_conv.py::test_cupy_conv_overrides_match_generic[2d-s(1,1)]", True),
    ("tests/layers/test_core.py::test_dense[numpy]", False),
    ("tests/test_architecture.py::test_cupy_has_everything_the_kernels_use[generic.py]", False),
    ("tests/benchmarks/test_gpu_check.py::test_probe_states[cupy0-gpus0]", False),
])
def test_device_cases(nodeid, on_device):
    assert gpu_report.is_device_case(nodeid) is on_device


def test_a_cupy_case_that_could_not_run_fails_the_check_only_on_a_device():
    outcomes = gpu_report.load_results(RESULTS)
    on_cpu = gpu_report.problems_of(outcomes, on_device=False)
    on_device = gpu_report.problems_of(outcomes, on_device=True)
    assert sorted(p.split(":")[0] for p in on_cpu) == ["failed", "unfinished"]
    assert set(on_device) - set(on_cpu) == {
        "not run on the device: tests/layers/test_recurrent.py::test_lstm[cupy]: cupy backend unavailable "
        "here: no device"}


def test_markdown_report():
    outcomes = gpu_report.load_results(RESULTS)
    problems = gpu_report.problems_of(outcomes, on_device=True)
    info = {"title": "kerasx GPU check", "mode": "GPU", "wall": 321.0, "steps": [("tests", 300.0, "4 workers")],
            "versions": [("GPU", "NVIDIA H200"), ("CuPy", "14.2.0")]}
    text = gpu_report.markdown(info, outcomes, [("MLP", "ok", "row  step\nkerasx-raw[cupy] 1.0\n")], problems)
    assert "**FAIL (3 problems)**. Mode: GPU. Wall time: 321 s." in text
    assert "| GPU | NVIDIA H200 |" in text
    assert "| conv **FAIL** | 0 | 1 | 0 | 1 | 0 | 0 | 1.5 |" in text
    assert "| rnn | 0 | 0 | 1 | 0 | 0 | 0 | 0.5 |" in text
    assert ("- `tests/backends/test_kernels_conv.py::test_conv[cupy]` (failed): AssertionError: Not equal to "
            "tolerance") in text
    assert "### MLP: ok\n\n```text\nrow  step\nkerasx-raw[cupy] 1.0\n```" in text
    assert "- 1 x cupy backend unavailable here: no device" in text


# ---------------------------------------------------------------- the device path's steps, on the CPU
def _on_cpu_run(tmp_path, tests_source, bench_args):
    if os.environ.get("GPU_CHECK_ACTIVE"):
        pytest.skip("inside a gpu_check run: that run is the check of its own steps")
    if importlib.util.find_spec("kerasx") is None:
        pytest.skip("kerasx is not installed: the check's setup step would install it")
    tests_dir = tmp_path / "cases"
    tests_dir.mkdir()
    (tests_dir / "test_cases.py").write_text(textwrap.dedent(tests_source))
    out = tmp_path / "out"
    proc, audit = _run_check(tmp_path, str(out), "--on-cpu", f"--tests={tests_dir} --rootdir {tests_dir}",
                             "--benchmarks=MLP", f"--bench-args={bench_args}", timeout=300)
    report = (out / gpu_check.REPORT).read_text()
    assert (out / gpu_check.LOG).exists()
    assert not [c for c in audit if re.search(r" -m pip\b", c)], audit  # kerasx and its needs import here
    return proc, report


def test_on_cpu_run_passes_and_writes_the_report(tmp_path):
    proc, report = _on_cpu_run(tmp_path, "def test_ok():\n    assert True\n",
                               "--rounds 1 --block 1 --warmup 0 --cooldown 0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("gpu_check: PASS in ")
    assert "**PASS**. Mode: on the CPU" in report
    assert "### MLP: ok" in report and "kerasx-raw[numpy]" in report
    assert "| top-level | 0 | 0 | 0 | 1 | 0 | 0 |" in report


def test_on_cpu_run_fails_on_a_failing_test_and_a_crashed_benchmark(tmp_path):
    proc, report = _on_cpu_run(tmp_path, "def test_bad():\n    assert 1 == 2, 'one is not two'\n",
                               "--no-such-option")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "**FAIL (2 problems)**" in report
    assert "(failed): AssertionError: one is not two" in report
    assert "- benchmark MLP crashed (exit 2)" in report
