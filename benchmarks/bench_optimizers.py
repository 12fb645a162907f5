"""What each optimizer costs a training step: the MLP 784-512-512-10 of bench_mlp.py (batch 128,
`train_on_batch`) compiled with Adam, AdamW, Lion, Adam with `weight_decay`, SGD with `weight_decay`
(its decay a separate pass) and SGD, and the same optimizers' `apply_gradients` alone over the MLP's
weights (669,706 parameters) with fixed gradients: the update kernels without the forward and backward.

Rows run round-robin in one process (benchmarks/harness.py); the table reports medians and the ratio to
Adam's row of the same kind (the issue's target: AdamW and Lion cost no more than Adam).

    python benchmarks/bench_optimizers.py [--rounds 10] [--block 5] [--threads 2] [--clock wall|cpu]
                                          [--backends numpy cupy]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402  (adds the repository root to sys.path)
from bench_mlp import PREDICT_ROWS, SIZES, _data  # noqa: E402
from harness import Case  # noqa: E402

import backends  # noqa: E402

OPTIMIZERS = {
    "Adam": lambda o: o.Adam(),
    "AdamW": lambda o: o.AdamW(),
    "Lion": lambda o: o.Lion(),
    "Adam+wd": lambda o: o.Adam(weight_decay=0.004),
    "SGD": lambda o: o.SGD(),
    "SGD+wd": lambda o: o.SGD(weight_decay=0.004),
}


def _model(make):
    import kerasx as keras
    from kerasx import layers, optimizers
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        layers.Dense(SIZES[1], activation="relu", input_shape=(SIZES[0],)),
        layers.Dense(SIZES[2], activation="relu"),
        layers.Dense(SIZES[3], activation="softmax"),
    ])
    model.compile(optimizer=make(optimizers), loss="sparse_categorical_crossentropy")
    return model


def _rows(opt_name):
    def train_step_row(backend_name):
        b = backends.set_backend(backend_name)
        model = _model(OPTIMIZERS[opt_name])
        x, y, _ = _data()
        model.train_on_batch(x, y)

        def step():
            backends.set_backend(b)
            model.train_on_batch(x, y)
            b.synchronize()

        return Case(f"{opt_name} step[{backend_name}]", "gpu" if backend_name == "cupy" else "cpu", step,
                    lambda: None)

    def update_row(backend_name):
        from kerasx.autodiff import as_tensor
        b = backends.set_backend(backend_name)
        model = _model(OPTIMIZERS[opt_name])
        rng = np.random.default_rng(1)
        weights = model.trainable_weights
        grads = [as_tensor((rng.normal(size=w.shape) * 1e-3).astype(np.float32)) for w in weights]
        pairs = list(zip(grads, weights))
        model.optimizer.apply_gradients(pairs)

        def step():
            backends.set_backend(b)
            model.optimizer.apply_gradients(pairs)
            b.synchronize()

        return Case(f"{opt_name} update[{backend_name}]", "gpu" if backend_name == "cupy" else "cpu", step,
                    lambda: None)

    return train_step_row, update_row


def table(cases):
    """Step median (IQR) per row and its ratio to Adam's row of the same kind and backend: the ratio of
    the medians, and the median (IQR) of the ratios of calls paired by position (the same round and
    place in the block, so close in time: steadier when the machine's load changes)."""
    med = {c.name: harness._quartiles_ms(c.times["step"]) for c in cases}
    times = {c.name: c.times["step"] for c in cases}
    header = f"{'row':26s} {'ms (IQR)':>21s} {'vs Adam':>8s} {'paired vs Adam (IQR)':>22s}"
    lines = [header, "-" * len(header)]
    for c in cases:
        m, q1, q3 = med[c.name]
        ref = "Adam " + c.name.split(" ", 1)[1]
        ratio = paired = "-"
        if ref in med:
            ratio = f"{m / med[ref][0]:.2f}x"
            r2, r1, r3 = (v / 1e3 for v in harness._quartiles_ms(
                [a / b for a, b in zip(times[c.name], times[ref])]))
            paired = f"{r2:.2f}x ({r1:.2f}-{r3:.2f})"
        lines.append(f"{c.name:26s} {m:7.3f} ({q1:6.3f}-{q3:6.3f}) {ratio:>8s} {paired:>22s}")
    return lines


def main(argv=None):
    rows = [row for name in OPTIMIZERS for row in _rows(name)]
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== Optimizers on the MLP {'-'.join(map(str, SIZES))}, train batch "
                            f"{_data()[0].shape[0]}; median of {args.rounds} round-robin rounds x "
                            f"{args.block} calls (predict {PREDICT_ROWS} rows not timed here)"),
        kerasx_rows=rows, torch_rows=lambda device: [], table_fn=table)


if __name__ == "__main__":
    main()
