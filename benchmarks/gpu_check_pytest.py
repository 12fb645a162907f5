"""A pytest plugin for `gpu_check.py`: writes one JSON line per test phase as it finishes, and skips the
tests that would start after the test budget is spent.

Line by line rather than pytest's junit XML at the end: a run stopped at its hard limit still leaves every
result up to that point. Enabled with ``-p gpu_check_pytest`` (this folder on PYTHONPATH); configured by
two environment variables, so that pytest-xdist's workers read them too:

  GPU_CHECK_RESULTS   the file to append to (written by the controlling process only)
  GPU_CHECK_DEADLINE  the time (seconds since the epoch) after which no test starts
"""
import json
import os
import time

import pytest

from gpu_report import BUDGET_SKIP


def _deadline():
    value = os.environ.get("GPU_CHECK_DEADLINE")
    return float(value) if value else None


def pytest_runtest_setup(item):
    deadline = _deadline()
    if deadline is not None and time.time() > deadline:
        pytest.skip(BUDGET_SKIP)


def _first_line(report):
    """The failure's own message (the exception line), else the last line of pytest's report."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = getattr(crash, "message", None) or report.longreprtext or ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return (lines[0] if crash is not None else lines[-1])[:300]


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: reason")
        reason = str(longrepr[2])
        return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
    return _first_line(report)


class _Recorder:
    """Appends each phase's outcome to `path` as it is reported."""

    def __init__(self, path):
        self.path = path

    def _write(self, record):
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def pytest_runtest_logreport(self, report):
        record = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                  "duration": round(report.duration, 4)}
        if hasattr(report, "wasxfail"):
            record["xfail"] = True
        if report.failed:
            record["message"] = _first_line(report)
        elif report.skipped:
            record["message"] = _skip_reason(report)
        self._write(record)

    def pytest_collectreport(self, report):
        if report.failed:  # a module that does not import: none of its tests ran
            self._write({"nodeid": report.nodeid, "when": "collect", "outcome": "failed",
                         "duration": 0.0, "message": _first_line(report)})


def pytest_configure(config):
    path = os.environ.get("GPU_CHECK_RESULTS")
    # Under pytest-xdist only the controller writes: it receives every worker's reports.
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(path), "gpu_check_recorder")
