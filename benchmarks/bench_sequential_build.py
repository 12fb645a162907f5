"""Seconds to build a `Sequential` of N Dense layers from a list (`Sequential([Dense(8, input_shape=(8,)),
Dense(8), ...])`), for several N: the time per layer should not grow with the length of the stack.

    python benchmarks/bench_sequential_build.py [--sizes 100 200 400 800] [--rounds 5]

Prints one row per size: the median over the rounds, the spread (min-max) and the median per layer."""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import kerasx as keras  # noqa: E402
from kerasx.engine.naming import reset_names  # noqa: E402


def build_seconds(n):
    reset_names()
    stack = [keras.layers.Dense(8, input_shape=(8,))] + [keras.layers.Dense(8) for _ in range(n - 1)]
    start = time.perf_counter()
    keras.Sequential(stack)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 800])
    parser.add_argument("--rounds", type=int, default=5)
    # Other options `run_all.py` passes to every benchmark (`--threads`, `--backends`) do not apply here.
    args, _ = parser.parse_known_args(argv)
    print(f"{'layers':>7} {'median s':>9} {'min s':>8} {'max s':>8} {'ms/layer':>9}")
    for n in args.sizes:
        times = [build_seconds(n) for _ in range(args.rounds)]
        median = statistics.median(times)
        print(f"{n:>7} {median:>9.3f} {min(times):>8.3f} {max(times):>8.3f} {1000 * median / n:>9.3f}")


if __name__ == "__main__":
    main()
