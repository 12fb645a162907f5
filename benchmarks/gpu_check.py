"""One command for the first GPU: every test (the CuPy cases run where CuPy sees a device), the CPU-vs-GPU
benchmark tables, and one report, within 8 minutes on one GPU.

    bash benchmarks/gpu_check.sh OUT_DIR        # or: python benchmarks/gpu_check.py OUT_DIR

Where no CUDA device can be used it prints one line saying why and exits 0, having installed and run
nothing. Where one can, it installs what is missing (kerasx itself editable without touching the network;
the `test`, `bench` and `cuda13` extras only for what does not import), runs the suite with the CuPy cases,
then bench_mlp/bench_cnn/bench_lstm with the NumPy and CuPy rows (and PyTorch's CPU and CUDA rows where
torch is importable), and writes OUT_DIR/gpu_check_report.md (pass/fail per test family, failures' first
lines, the tables, versions) and OUT_DIR/gpu_check_log.txt (everything the steps printed). It exits 1
on any failing test, test left out by the budget, CuPy case that could not run, or benchmark that crashed
or overran.

    --on-cpu     the device path's steps on the host backend, for checking this script where no GPU is
                 (the CuPy cases skip, the tables have CPU rows only); not a GPU check
    --tests "..."  pytest arguments instead of the whole suite
    --bench-args "..."  instead of the compact settings below
    --benchmarks MLP,CNN,LSTM  which tables (default: all three)
"""
import argparse
import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import gpu_report  # noqa: E402

# The budget, in seconds from the start (8 minutes in all): no test starts after TESTS_SOFT_S and the run
# is stopped at TESTS_HARD_S; the benchmarks share what is left until BENCH_END_S, at most BENCH_CAP_S each.
TESTS_SOFT_S, TESTS_HARD_S, BENCH_END_S, BENCH_CAP_S = 280, 305, 460, 50
PER_TEST_TIMEOUT_S = 120  # with pytest-timeout, where installed: one hung test fails alone
BENCHES = (("MLP", "bench_mlp.py"), ("CNN", "bench_cnn.py"), ("LSTM", "bench_lstm.py"))
BENCH_ARGS = "--rounds 8 --block 5 --warmup 3 --cooldown 0.1"
REPORT, LOG = "gpu_check_report.md", "gpu_check_log.txt"
# module -> the extra of pyproject.toml that provides it
NEEDED = (("numpy", None), ("h5py", None), ("yaml", None), ("pytest", "test"), ("hypothesis", "test"),
          ("sklearn", "test"), ("threadpoolctl", "bench"), ("cupy", "cuda13"))


def _one_line(text):
    return " ".join(str(text).split())


def _nvidia_smi_gpus():
    """The GPUs nvidia-smi lists, and what it said (its absence too)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return [], "no nvidia-smi on PATH"
    try:
        proc = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [], f"nvidia-smi -L failed: {_one_line(e)}"
    gpus = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("GPU ")]
    said = _one_line(proc.stdout + proc.stderr) or f"exit status {proc.returncode}"
    return gpus, said


def probe():
    """``(state, why)``: "device" (CuPy sees one), "install" (a GPU is listed but CuPy is missing),
    "none" (no device: the check has nothing to do) or "broken" (nvidia-smi lists a GPU CuPy cannot use)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return "none", f"CUDA_VISIBLE_DEVICES={visible!r} hides every device"
    with warnings.catch_warnings():  # CuPy warns on import where no CUDA toolkit is found: not our line
        warnings.simplefilter("ignore")
        try:
            import cupy
        except Exception as e:  # ImportError, or a broken install raising anything
            cupy, missing = None, f"CuPy is not installed ({_one_line(e)})"
    if cupy is not None:
        try:
            count = cupy.cuda.runtime.getDeviceCount()
            error = "it counts 0"
        except Exception as e:  # CUDARuntimeError without a driver or device
            count, error = 0, _one_line(e)
        if count > 0:
            return "device", f"CuPy {cupy.__version__} sees {count} device(s)"
        gpus, said = _nvidia_smi_gpus()
        if gpus:
            return "broken", (f"nvidia-smi lists {gpus[0]}, but CuPy {cupy.__version__} cannot use it "
                              f"({error}): check the driver and the CUDA runtime CuPy was built for")
        return "none", f"CuPy {cupy.__version__} sees no CUDA device ({error}; {said})"
    gpus, said = _nvidia_smi_gpus()
    if gpus:
        return "install", f"{missing}, and nvidia-smi lists {gpus[0]}"
    return "none", f"{missing}, and nvidia-smi lists no GPU ({said})"


class Check:
    """The device path's steps, each appending to `steps` (name, seconds, note) and `problems`."""

    def __init__(self, on_cpu, log):
        self.on_cpu, self.log = on_cpu, log
        self.start = time.time()
        self.steps, self.problems = [], []
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            [ROOT, HERE] + ([self.env["PYTHONPATH"]] if self.env.get("PYTHONPATH") else []))
        self.env["GPU_CHECK_ACTIVE"] = "1"  # the suite's own test of this command skips its nested run
        self.env["PYTHONUNBUFFERED"] = "1"

    def say(self, message):
        line = f"gpu_check: {message}"
        print(line, flush=True)
        self.log.write(line + "\n")
        self.log.flush()

    def _step(self, name, t0, note):
        self.steps.append((name, time.time() - t0, note))

    def _run(self, cmd, timeout, cwd=ROOT, capture=False):
        """Runs `cmd` in its own process group (so that pytest-xdist's workers stop with it), output to
        the log (and returned where `capture`); ``(returncode or None on timeout, output)``."""
        self.log.write(f"\n$ {' '.join(cmd)}\n")
        self.log.flush()
        sink = subprocess.PIPE if capture else self.log
        proc = subprocess.Popen(cmd, cwd=cwd, env=self.env, stdout=sink, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=max(timeout, 1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            rc = None
        else:
            rc = proc.returncode
        if capture:
            self.log.write(out or "")
            self.log.flush()
        return rc, out or ""

    def _pip(self, *args):
        # --retries 0: a machine without a network answers at once instead of after minutes of backoff.
        rc, out = self._run([sys.executable, "-m", "pip", "install", "--retries", "0", "--timeout", "15",
                             *args], timeout=180, capture=True)
        last = [line for line in out.splitlines() if line.strip()][-1:] or ["(no output)"]
        return rc == 0, "timed out" if rc is None else _one_line(last[0])

    def setup(self):
        """kerasx from this checkout (PYTHONPATH always points at it; installed editable, with no network
        needed, where it is not installed at all), then the extras of whatever does not import."""
        t0 = time.time()
        notes = []
        if importlib.util.find_spec("kerasx") is None:
            ok, said = self._pip("--no-deps", "--no-build-isolation", "-e", ROOT)
            notes.append("kerasx installed editable" if ok else f"editable install failed ({said}); "
                         "running the checkout through PYTHONPATH")
        else:
            notes.append("kerasx already installed; the checkout runs first on PYTHONPATH")
        needed = [(m, extra) for m, extra in NEEDED if not (self.on_cpu and m == "cupy")]
        missing = [(m, extra) for m, extra in needed if importlib.util.find_spec(m) is None]
        if missing:
            extras = sorted({extra for _, extra in missing if extra})
            target = ROOT + (f"[{','.join(extras)}]" if extras else "")
            ok, said = self._pip("--no-build-isolation", "-e", target)
            importlib.invalidate_caches()
            still = [m for m, _ in missing if importlib.util.find_spec(m) is None]
            notes.append(f"missing {', '.join(m for m, _ in missing)}: pip install -e .[{','.join(extras)}] "
                         + ("succeeded" if ok else f"failed ({said})"))
            for m in still:
                self.problems.append(f"{m} is missing and could not be installed (pip: {said})")
        self._step("setup", t0, "; ".join(notes))

    def tests(self, pytest_args, results_path):
        t0 = time.time()
        # A module that does not import must not stop the other modules' tests: it is counted as an error.
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "gpu_check_pytest",
               "--continue-on-collection-errors"]
        notes = []
        workers = min(4, (os.cpu_count() or 2) // 2)
        if workers > 1 and importlib.util.find_spec("xdist") is not None:
            cmd += ["-n", str(workers)]
            notes.append(f"pytest-xdist, {workers} workers")
        if importlib.util.find_spec("pytest_timeout") is not None:
            cmd += ["--timeout", str(PER_TEST_TIMEOUT_S)]
            notes.append(f"pytest-timeout {PER_TEST_TIMEOUT_S} s a test")
        cmd += pytest_args
        self.env["GPU_CHECK_RESULTS"] = results_path
        self.env["GPU_CHECK_DEADLINE"] = str(self.start + TESTS_SOFT_S)
        self.say(f"running the tests ({', '.join(notes) or 'serially'}; none starts after "
                 f"{TESTS_SOFT_S} s, stopped at {TESTS_HARD_S} s)")
        rc, _ = self._run(cmd, timeout=self.start + TESTS_HARD_S - time.time())
        if rc is None:
            self.problems.append(f"the test run was stopped at its hard limit ({TESTS_HARD_S} s from the start)")
        elif rc not in (0, 1):  # 1: tests failed, each counted from the results; else pytest itself failed
            self.problems.append(f"pytest exited with status {rc} (see {LOG})")
        with open(results_path, encoding="utf-8") as f:
            outcomes = gpu_report.load_results(f)
        if not outcomes:
            self.problems.append(f"pytest reported no results (exit status {rc}; see {LOG})")
        self.problems += gpu_report.problems_of(outcomes, on_device=not self.on_cpu)
        self._step("tests", t0, "; ".join(notes) + f"; exit status {rc}")
        return outcomes

    def benchmarks(self, benches, bench_args):
        names = ["numpy"] if self.on_cpu else ["numpy", "cupy"]
        threads = str(os.cpu_count() or 2)
        tables = []
        for i, (title, script) in enumerate(benches):
            t0 = time.time()
            cap = min(BENCH_CAP_S, (self.start + BENCH_END_S - t0) / (len(benches) - i))
            if cap < 10:
                tables.append((title, "not run", "the time budget was spent"))
                self.problems.append(f"benchmark {title} not run: the time budget was spent")
                continue
            # Timed rounds get half the cap: imports, model building and warm-up calls take the rest.
            cmd = [sys.executable, os.path.join(HERE, script), "--backends", *names, "--threads", threads,
                   *bench_args.split(), "--max-seconds", f"{cap / 2:.0f}"]
            self.say(f"benchmark {title} (at most {cap:.0f} s)")
            rc, out = self._run(cmd, timeout=cap, capture=True)
            status = "ok" if rc == 0 else f"timed out after {cap:.0f} s" if rc is None else f"crashed (exit {rc})"
            if rc != 0:
                self.problems.append(f"benchmark {title} {status}")
            tables.append((title, status, out))
            self._step(f"benchmark {title}", t0, status)
        return tables


def versions():
    """(name, value) rows: the GPU, its driver, CUDA as CuPy and PyTorch see it, and the libraries."""
    import numpy
    rows = [("python", sys.version.split()[0]), ("numpy", numpy.__version__), ("CPUs", os.cpu_count())]
    try:
        import cupy
        rt = cupy.cuda.runtime
        rows.append(("CuPy", cupy.__version__))
        rows.append(("CUDA runtime (CuPy)", _cuda_version(rt.runtimeGetVersion())))
        rows.append(("CUDA driver API", _cuda_version(rt.driverGetVersion())))
        props = rt.getDeviceProperties(0)
        rows.append(("GPU", f"{props['name'].decode()}, compute capability {props['major']}.{props['minor']}, "
                            f"{props['totalGlobalMem'] / 2**30:.0f} GiB, {props['multiProcessorCount']} SMs"))
    except Exception as e:  # no CuPy or no device (the --on-cpu run): say so in the row
        rows.append(("CuPy / GPU", f"unavailable: {_one_line(e)}"))
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            proc = subprocess.run([smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                                  capture_output=True, text=True, timeout=30)
            rows.append(("nvidia-smi", _one_line(proc.stdout or proc.stderr)))
        except (OSError, subprocess.TimeoutExpired) as e:
            rows.append(("nvidia-smi", f"failed: {_one_line(e)}"))
    try:
        import torch
        cuda = f"CUDA {torch.version.cuda}, sees a GPU: {torch.cuda.is_available()}"
        rows.append(("torch", f"{torch.__version__} ({cuda})"))
    except ImportError:
        rows.append(("torch", "not installed: no PyTorch rows"))
    for name in ("h5py", "pytest"):
        try:
            rows.append((name, __import__(name).__version__))
        except ImportError:
            rows.append((name, "not installed"))
    rows.append(("kerasx commit", _commit()))
    return rows


def _cuda_version(number):
    return f"{number // 1000}.{number % 1000 // 10} ({number})"


def _commit():
    try:
        proc = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10)
    except OSError:
        return "unknown (no git)"
    return proc.stdout.strip() or "unknown (not a git checkout)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="folder for the report and the log (created if missing)")
    parser.add_argument("--on-cpu", action="store_true", help="check this script's steps without a GPU")
    parser.add_argument("--tests", default="tests", help="pytest arguments, one string (default: tests)")
    parser.add_argument("--bench-args", default=BENCH_ARGS, help=f"benchmark arguments (default: {BENCH_ARGS})")
    parser.add_argument("--benchmarks", default=",".join(t for t, _ in BENCHES),
                        help="which tables, comma-separated (default: all)")
    args = parser.parse_args(argv)
    benches = [(t, s) for t, s in BENCHES if t.lower() in args.benchmarks.lower().split(",")]

    state, why = ("device", "--on-cpu: no device used") if args.on_cpu else probe()
    if state == "none":
        print(f"gpu_check: no CUDA device found: {why}. Nothing was installed or run.")
        return 0
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, LOG), "w", encoding="utf-8") as log, \
            tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        check = Check(args.on_cpu, log)
        check.say(why)
        outcomes, tables = {}, []
        if state == "broken":
            check.problems.append(why)
        else:
            check.setup()
            results = os.path.join(tmp, "results.jsonl")
            open(results, "w").close()
            outcomes = check.tests(shlex.split(args.tests), results)
            tables = check.benchmarks(benches, args.bench_args)
        mode = ("on the CPU (--on-cpu: this script's steps with the host backend, no GPU used)"
                if args.on_cpu else "GPU")
        info = {"title": f"kerasx GPU check, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", "mode": mode,
                "wall": time.time() - check.start, "steps": check.steps, "versions": versions()}
        report = os.path.join(args.out_dir, REPORT)
        with open(report, "w", encoding="utf-8") as f:
            f.write(gpu_report.markdown(info, outcomes, tables, check.problems))
        verdict = "PASS" if not check.problems else f"FAIL ({len(check.problems)} problems)"
        check.say(f"{verdict} in {info['wall']:.0f} s; report: {report}")
    return 1 if check.problems else 0


if __name__ == "__main__":
    sys.exit(main())
