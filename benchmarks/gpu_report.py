"""The GPU check's report: test results grouped by family, the benchmark tables, the machine's versions,
as one markdown file. Pure functions over what `gpu_check.py` gathered, so they are tested without a GPU.
"""
import collections
import fnmatch
import json

BUDGET_SKIP = "gpu_check: the test budget was spent before this test started"  # gpu_check_pytest's skip

# (family, patterns over the test file's path), first match wins; a file no pattern names goes to its
# package folder ("tests/metrics/..." -> "metrics"), a top-level test file to "top-level".
FAMILIES = (
    ("rnn", ("tests/backends/test_kernels_rnn.py", "tests/layers/test_recurrent*.py",
             "tests/layers/test_rnn*.py", "tests/layers/test_conv_recurrent.py")),
    ("conv", ("tests/backends/test_kernels_conv.py", "tests/layers/test_conv*.py")),
    ("pool", ("tests/backends/test_kernels_pool.py", "tests/layers/test_pooling*.py")),
    ("norm", ("tests/backends/test_kernels_norm.py", "tests/layers/test_normalization*.py",
              "tests/layers/test_batch_norm*.py")),
    ("kernels", ("tests/backends/test_kernels*.py",)),
    ("autodiff", ("tests/autodiff/*", "tests/ops/*")),
    ("engine", ("tests/engine/*", "tests/test_models.py")),
)
DEVICE_UNAVAILABLE = "cupy backend unavailable"  # the fixture's skip reason where CuPy cannot run
FAILING = ("failed", "error", "unfinished")


def family_of(nodeid):
    path = nodeid.split("::")[0]
    for family, patterns in FAMILIES:
        if any(fnmatch.fnmatch(path, p) for p in patterns):
            return family
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else "top-level"


def is_device_case(nodeid):
    """A case that runs on the GPU: the `backend` fixture's ``cupy`` parameter (``test_x[cupy]``,
    ``test_x[cupy-float32]``), or one of the CuPy overrides' parity tests (``test_kernels*.py``, "cupy" in
    the name, which get the backend from `cupy_backend_or_skip`)."""
    path, _, name = nodeid.partition("::")
    function, _, params = name.partition("[")
    if "cupy" in params.rstrip("]").split("-"):
        return True
    return fnmatch.fnmatch(path, "tests/backends/test_kernels*.py") and "cupy" in function.lower()


Outcome = collections.namedtuple("Outcome", "status message duration")


def load_results(lines):
    """One `Outcome` per test from the plugin's JSON lines: failed (the call), error (setup, teardown or
    collection), skipped, xfailed, passed, or unfinished (set up but never reported done: the run was
    stopped)."""
    phases = collections.defaultdict(list)
    for line in lines:
        line = line.strip()
        if line:
            record = json.loads(line)
            phases[record["nodeid"]].append(record)
    outcomes = {}
    for nodeid, records in phases.items():
        duration = sum(r["duration"] for r in records)
        failed = [r for r in records if r["outcome"] == "failed"]
        skipped = [r for r in records if r["outcome"] == "skipped"]
        if failed:
            r = failed[0]
            status = "failed" if r["when"] == "call" else "error"
            outcomes[nodeid] = Outcome(status, f"{r['when']}: {r.get('message', '')}" if status == "error"
                                       else r.get("message", ""), duration)
        elif skipped:
            r = skipped[0]
            outcomes[nodeid] = Outcome("xfailed" if r.get("xfail") else "skipped", r.get("message", ""),
                                       duration)
        elif any(r["when"] == "call" for r in records):
            outcomes[nodeid] = Outcome("passed", "", duration)
        else:
            outcomes[nodeid] = Outcome("unfinished", "started, never finished", duration)
    return outcomes


def problems_of(outcomes, on_device):
    """What makes the check fail: every failing test, every test the budget left out, and, on a device,
    every CuPy case that skipped because the backend could not run."""
    problems = []
    for nodeid, o in outcomes.items():
        if o.status in FAILING:
            problems.append(f"{o.status}: {nodeid}: {o.message}")
        elif o.status == "skipped" and o.message.startswith(BUDGET_SKIP):
            problems.append(f"not run (test budget spent): {nodeid}")
        elif on_device and o.status == "skipped" and DEVICE_UNAVAILABLE in o.message and is_device_case(nodeid):
            problems.append(f"not run on the device: {nodeid}: {o.message}")
    return problems


def family_rows(outcomes):
    """Per family: counts of each status for the device (CuPy) cases and for the host cases."""
    counts = collections.defaultdict(lambda: collections.Counter())
    seconds = collections.Counter()
    for nodeid, o in outcomes.items():
        family = family_of(nodeid)
        side = "device" if is_device_case(nodeid) else "host"
        status = "failed" if o.status in FAILING else "passed" if o.status in ("passed", "xfailed") else "skipped"
        counts[family][(side, status)] += 1
        seconds[family] += o.duration
    header = ("| family | device passed | device failed | device skipped | host passed | host failed "
              "| host skipped | seconds |")
    lines = [header, "|" + "---|" * 8]
    for family in sorted(counts):
        c = counts[family]
        cells = [str(c[(side, status)]) for side in ("device", "host") for status in ("passed", "failed", "skipped")]
        mark = " **FAIL**" if c[("device", "failed")] or c[("host", "failed")] else ""
        lines.append(f"| {family}{mark} | " + " | ".join(cells) + f" | {seconds[family]:.1f} |")
    return lines


def skip_reasons(outcomes, device):
    """The skip reasons of the device (or host) cases, most frequent first."""
    reasons = collections.Counter(o.message for nodeid, o in outcomes.items()
                                  if o.status == "skipped" and is_device_case(nodeid) == device)
    return [f"- {n} x {reason}" for reason, n in reasons.most_common()]


def markdown(info, outcomes, benchmarks, problems):
    """The report. `info`: title, mode, wall, steps (name, seconds, note), versions (name, value);
    `benchmarks`: (name, status, output text); `problems`: what failed, empty when it passed."""
    verdict = "PASS" if not problems else f"FAIL ({len(problems)} problem{'s' if len(problems) > 1 else ''})"
    out = [f"# {info['title']}", "", f"**{verdict}**. Mode: {info['mode']}. Wall time: {info['wall']:.0f} s.", ""]
    out += ["## Machine", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info["versions"]] + [""]
    out += ["## Steps", "", "| step | seconds | note |", "|---|---|---|"]
    out += [f"| {name} | {seconds:.0f} | {note} |" for name, seconds, note in info["steps"]] + [""]
    statuses = collections.Counter(o.status for o in outcomes.values())
    out += ["## Tests by family", "",
            f"{len(outcomes)} tests: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ".", ""]
    out += family_rows(outcomes) + [""]
    failing = [(nodeid, o) for nodeid, o in sorted(outcomes.items()) if o.status in FAILING]
    if failing:
        out += ["### Failures (first line of each)", ""]
        out += [f"- `{nodeid}` ({o.status}): {o.message}" for nodeid, o in failing] + [""]
    for device, label in ((True, "device (CuPy) cases"), (False, "host cases")):
        reasons = skip_reasons(outcomes, device)
        if reasons:
            out += [f"### Skipped {label}, by reason", ""] + reasons + [""]
    out += ["## Benchmarks", ""]
    for name, status, text in benchmarks:
        out += [f"### {name}: {status}", "", "```text", text.rstrip(), "```", ""]
    out += ["## Problems", ""] + ([f"- {p}" for p in problems] or ["none"]) + [""]
    return "\n".join(out)
