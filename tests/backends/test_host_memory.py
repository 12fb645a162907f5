"""`backends.host_memory`: freed temporaries are reused instead of page-faulting back in. Each case runs in
a fresh interpreter, since malloc's settings are per process and the test process has already tuned them."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Repeats a "step" that holds six temporaries of 0.25-1.6 MB at once (5.9 MB, 1,440 pages) and frees
# them, as a training step does, and prints whether malloc was tuned and the page faults per step.
_PROBE = """
import resource, numpy
import backends
b = backends.make("numpy")
from backends.host_memory import tune_malloc
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def step():
    live = [numpy.ones(n, "float32") for n in (100_000, 400_000, 250_000, 65_000, 400_000, 262_144)]
    del live
step()
before = faults()
for _ in range(20):
    step()
print(tune_malloc(), (faults() - before) / 20)
"""


def _probe(**env):
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env={**os.environ, **env},
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", float(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt tuning is for Linux/glibc")
def test_numpy_backend_reuses_freed_blocks():
    tuned, faults = _probe(KERASX_MALLOC_TUNING="1")
    assert tuned
    assert faults < 50, f"{faults} page faults per step: freed blocks are not being reused"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt tuning is for Linux/glibc")
def test_tuning_can_be_turned_off_and_then_every_block_faults_in():
    tuned, faults = _probe(KERASX_MALLOC_TUNING="0")
    assert not tuned
    # Untuned, glibc trims the heap after each step and most of the 1,440 pages fault in again (seen: 947).
    assert faults > 200, faults
