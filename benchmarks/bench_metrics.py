"""What tracking AUC costs a `fit` epoch: MLP 784-512-512-10 (relu, relu, softmax), Adam, batch 128,
one epoch of `--steps` batches, compiled with metrics=['accuracy'] and with metrics=['accuracy', 'AUC']
(AUC over the flattened softmax outputs against one-hot labels: 1,280 predictions x 200 thresholds a
step), `verbose=0`. A third row adds to the AUC model a callback that reads the logs every batch (on the
device, without a host copy), the case where every step's metric results must be computed.

The variants alternate epoch by epoch (interleaved rounds, the order reversed every other round), so
drift in clock speed or machine load falls on all alike. The table gives each variant's median epoch
and, for the AUC rows, the median of the per-round ratios to the accuracy epoch of the same round with
their interquartile range and extremes: on a shared machine the paired ratio is steadier than either
median. `--clock cpu` times the process's CPU time (`time.process_time`, all its threads) instead of
the wall clock: on a machine whose cores other jobs share, the time spent waiting for a core then
counts for nobody (use it with `--threads 1`: idle BLAS threads that spin would count too).

    python benchmarks/bench_metrics.py [--rounds 15] [--steps 20] [--threads 2] [--clock wall|cpu]
                                       [--backends numpy cupy]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import backends  # noqa: E402
import kerasx as keras  # noqa: E402
from kerasx import layers  # noqa: E402
import harness  # noqa: E402  (same directory)

SIZES, BATCH = (784, 512, 512, 10), 128


class _ReadLogsEveryBatch(keras.callbacks.Callback):
    """Touches every value of the batch logs (device scalars, no host copy): forces the results."""

    def __init__(self):
        super().__init__()
        self._supports_tf_logs = True

    def on_train_batch_end(self, batch, logs=None):
        for _ in (logs or {}).values():
            pass


VARIANTS = {
    "accuracy": (["accuracy"], None),
    "accuracy+AUC": (["accuracy", "AUC"], None),
    "accuracy+AUC, logs read every batch": (["accuracy", "AUC"], _ReadLogsEveryBatch),
}


def _model(metrics):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(SIZES[1], activation="relu", input_shape=(SIZES[0],)),
                              layers.Dense(SIZES[2], activation="relu"),
                              layers.Dense(SIZES[3], activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=metrics)
    return model


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _epoch_seconds(model, x, y, callbacks, clock):
    backend = backends.get()
    backend.synchronize()
    start = clock()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
    backend.synchronize()
    return clock() - start


def bench(backend_name, rounds, steps, clock=time.perf_counter):
    backends.set_backend(backend_name)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH * steps, SIZES[0]), dtype=np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH * steps)]
    runs = {}
    for name, (metrics, callback) in VARIANTS.items():
        runs[name] = (_model(metrics), [callback()] if callback else None)
    for model, cbs in runs.values():  # warm-up: builds, allocates the optimizer slots
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False, callbacks=cbs)
    times = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            model, cbs = runs[name]
            times[name].append(_epoch_seconds(model, x, y, cbs, clock))
    return times


def _quartiles(values):
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--backends", nargs="+", default=["numpy", "cupy"])
    args = parser.parse_args(argv)
    limiter = harness.limit_threads(args.threads)
    print(f"fit epoch, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {args.steps} steps, verbose=0, "
          f"{args.rounds} interleaved rounds, {args.threads} BLAS threads, {args.clock} clock; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')} OPENBLAS_L2_SIZE="
          f"{os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    print(f"{'backend':<8} {'metrics':<36} {'epoch ms (IQR)':>22} {'extra vs accuracy: median (IQR) [min, max]':>46}")
    for name in args.backends:
        try:
            times = bench(name, args.rounds, args.steps, CLOCKS[args.clock])
        except (ImportError, RuntimeError) as exc:
            print(f"{name:<8} skipped: {exc}")
            continue
        base = times["accuracy"]
        for variant, t in times.items():
            q1, q2, q3 = (1e3 * v for v in _quartiles(t))
            cell = ""
            if variant != "accuracy":
                ratios = [100 * (a / b - 1) for a, b in zip(t, base)]
                r1, r2, r3 = _quartiles(ratios)
                cell = f"{r2:+6.1f}% ({r1:+.1f}% to {r3:+.1f}%) [{min(ratios):+.1f}%, {max(ratios):+.1f}%]"
            print(f"{name:<8} {variant:<36} {q2:8.1f} ({q1:6.1f}-{q3:6.1f}) {cell:>46}")
    del limiter


if __name__ == "__main__":
    main()
