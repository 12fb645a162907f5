"""The `backend` fixture: every test that takes it runs once per backend, CuPy skipping with a reason
where it cannot run.

The host backend is `numpy`, or the strict-device backend when the run is ``KERAS_BACKEND=strict`` (CI
runs the whole suite both ways): then every test, with the fixture or without it, runs on `strict`."""
import os

import pytest

import backends

HOST_BACKEND = "strict" if os.environ.get("KERAS_BACKEND", "").strip().lower() == "strict" else "numpy"
BACKEND_NAMES = [HOST_BACKEND, "cupy"]


def _why_unavailable(name):
    try:
        backends.make(name)
    except (RuntimeError, ImportError) as e:
        return str(e)
    return None


@pytest.fixture(params=BACKEND_NAMES)
def backend(request):
    """Activates one kernel backend for the test and yields it; restores the previous one after."""
    name = request.param
    reason = _why_unavailable(name)
    if reason:
        pytest.skip(f"{name} backend unavailable here: {reason}")
    previous = backends.get()
    active = backends.set_backend(name)
    active.seed(0)
    yield active
    backends._active = previous


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh layer-name counters, as after `K.clear_session()`."""
    try:
        from kerasx.engine.naming import reset_names
    except ImportError:
        yield
        return
    reset_names()
    yield


# Transfer counts that tests report (tests/engine/test_host_syncs.py), printed once at the end of the run.
_TRANSFER_REPORT = []


def report_transfers(what, moved):
    """Records one measured count of host/device transfers for the end-of-run summary."""
    _TRANSFER_REPORT.append(f"{what}: {moved['to_host']} device-to-host, {moved['to_device']} host-to-device")


_CENSUS_REPORT = []


def report_census(line):
    """Records one module's line of the tf.keras name census for the end-of-run summary."""
    _CENSUS_REPORT.append(line)


def pytest_terminal_summary(terminalreporter):
    if _TRANSFER_REPORT:
        terminalreporter.section("host/device transfers")
        for line in _TRANSFER_REPORT:
            terminalreporter.write_line(line)
    if _CENSUS_REPORT:
        terminalreporter.section("tf.keras 2.21 name census")
        for line in _CENSUS_REPORT:
            terminalreporter.write_line(line)
