"""What the non-finite data check costs `fit`: once per call, on the host, for an MNIST-sized float32
array (60000x784), next to the host-to-device copy that `fit` makes of the same array anyway.

    python benchmarks/data_check_cost.py [--rounds 15]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kerasx.autodiff.tensor import as_tensor  # noqa: E402
from kerasx.engine.data_checks import check_finite  # noqa: E402


def median_ms(fn, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    x = np.random.default_rng(0).random((60000, 784), dtype=np.float32)
    bad = x.copy()
    bad[-1, -1] = np.nan

    def check_bad():
        try:
            check_finite(bad, "`x`", "passed to `fit`")
        except ValueError:
            pass
    rows = [("check_finite, clean array (the sum pass)", lambda: check_finite(x, "`x`", "passed to `fit`")),
            ("check_finite, one NaN at the end (sum, then the exact pass)", check_bad),
            ("np.isfinite(x).all(), for comparison", lambda: np.isfinite(x).all()),
            ("as_tensor(x): fit's copy of the same array", lambda: as_tensor(x))]
    print(f"60000x784 float32 ({x.nbytes / 2**20:.0f} MiB), median of {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs")
    for name, fn in rows:
        print(f"  {median_ms(fn, args.rounds):8.1f} ms  {name}")


if __name__ == "__main__":
    main()
