"""What tracking AUC costs a `fit` epoch: MLP 784-512-512-10 (relu, relu, softmax), Adam, batch 128,
one epoch of `--steps` batches, compiled with metrics=['accuracy'] and with metrics=['accuracy', 'AUC']
(AUC over the flattened softmax outputs against one-hot labels: 1,280 predictions x 200 thresholds a
step). The two models alternate epoch by epoch (interleaved rounds), so drift in clock speed or machine
load falls on both alike; the table reports medians and the AUC model's extra cost.

    python benchmarks/bench_metrics.py [--rounds 9] [--steps 20] [--threads 2] [--backends numpy cupy]
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

SIZES, BATCH = (784, 512, 512, 10), 128
VARIANTS = {"accuracy": ["accuracy"], "accuracy+AUC": ["accuracy", "AUC"]}


def _model(metrics):
    model = keras.Sequential([layers.Dense(SIZES[1], activation="relu", input_shape=(SIZES[0],)),
                              layers.Dense(SIZES[2], activation="relu"),
                              layers.Dense(SIZES[3], activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=metrics)
    return model


def _epoch_seconds(model, x, y):
    backend = backends.get()
    backend.synchronize()
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    backend.synchronize()
    return time.perf_counter() - start


def bench(backend_name, rounds, steps):
    backends.set_backend(backend_name)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH * steps, SIZES[0]), dtype=np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH * steps)]
    models = {name: _model(m) for name, m in VARIANTS.items()}
    for model in models.values():  # warm-up: builds, allocates the optimizer slots
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    times = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            times[name].append(_epoch_seconds(model, x, y))
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=["numpy", "cupy"])
    args = parser.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=args.threads)
    except ImportError:
        limiter = None
    print(f"fit epoch, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {args.steps} steps, "
          f"median of {args.rounds} interleaved rounds, {args.threads} BLAS threads")
    print(f"{'backend':<8} {'accuracy (ms)':>14} {'accuracy+AUC (ms)':>18} {'AUC extra':>10}")
    for name in args.backends:
        try:
            medians = bench(name, args.rounds, args.steps)
        except (ImportError, RuntimeError) as exc:
            print(f"{name:<8} skipped: {exc}")
            continue
        base, auc = medians["accuracy"], medians["accuracy+AUC"]
        print(f"{name:<8} {1e3 * base:>14.1f} {1e3 * auc:>18.1f} {100 * (auc / base - 1):>9.1f}%")
    del limiter


if __name__ == "__main__":
    main()
