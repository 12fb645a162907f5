"""What `K.ctc_batch_cost` costs: the loss of a (batch, time, classes) softmax output, forward alone and
forward plus gradient, next to a categorical crossentropy over the same output for scale. The rows are
interleaved round by round; medians.

    python benchmarks/ctc_batch_cost.py [--rounds 15] [--shape 32 50 30] [--label-length 10]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kerasx import GradientTape, Variable, backend as K, losses  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--shape", type=int, nargs=3, default=[32, 50, 30])
    parser.add_argument("--label-length", type=int, default=10)
    args = parser.parse_args()
    batch, steps, classes = args.shape
    rng = np.random.default_rng(0)
    logits = Variable(rng.normal(size=(batch, steps, classes)).astype("float32"))
    labels = rng.integers(0, classes - 1, (batch, args.label_length))
    input_length = np.full((batch, 1), steps)
    label_length = rng.integers(1, args.label_length + 1, (batch, 1))
    onehot = np.eye(classes, dtype="float32")[rng.integers(0, classes, (batch, steps))]

    def ctc():
        return K.sum(K.ctc_batch_cost(labels, K.softmax(logits), input_length, label_length))

    def with_gradient(fn):
        def run():
            with GradientTape() as tape:
                loss = fn()
            tape.gradient(loss, logits).numpy()
        return run

    def cce():
        return K.sum(losses.categorical_crossentropy(onehot, K.softmax(logits)))

    rows = {"ctc_batch_cost, forward": lambda: ctc().numpy(),
            "ctc_batch_cost, forward + gradient": with_gradient(ctc),
            "categorical_crossentropy, forward + gradient (scale)": with_gradient(cce)}
    times = {name: [] for name in rows}
    for fn in rows.values():
        fn()  # warm-up
    for _ in range(args.rounds):
        for name, fn in rows.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
        K.synchronize()
    print(f"backend {K.backend()}, y_pred {tuple(args.shape)} float32, labels up to {args.label_length}, "
          f"median of {args.rounds} interleaved rounds, {os.cpu_count()} CPUs")
    for name, ts in times.items():
        print(f"  {1e3 * statistics.median(ts):8.1f} ms  {name}")


if __name__ == "__main__":
    main()
