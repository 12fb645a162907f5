"""Weak scaling of data-parallel training (kerasx.distribute.MultiWorkerMirroredStrategy over MPI):
the same MLP at a fixed per-rank batch on 1, 2 and 4 ranks (4 oversubscribes a 2-core machine), each
rank with one BLAS thread. Reported per job size: training throughput (samples/s over all ranks),
time per step, the gradient allreduce's share of a step (device packing + host copies + MPI), and
the scaling efficiency T_N / (N * T_1). Then a sweep of `bytes_per_pack` (the gradient pack size) on 2
ranks.

Every configuration is one `mpiexec` job; the configurations are run round-robin for `--rounds`
rounds and the table reports medians (the machine is shared: read the ratios, not single figures).

    python benchmarks/bench_distribute.py [--rounds 3] [--sizes 1 2 4] [--batch 128] [--steps 40]
                                          [--hidden 512] [--packs 65536 1048576 67108864]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")
FEATURES, CLASSES = 256, 10


def worker(args):
    """One rank of one job: two epochs of `--steps` steps; the second is timed."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import numpy as np
    import kerasx as keras
    from kerasx import layers
    from kerasx.distribute import experimental

    options = experimental.CommunicationOptions(bytes_per_pack=args.pack)
    strategy = keras.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    n = strategy.num_replicas_in_sync
    global_batch = args.batch * n
    rng = np.random.default_rng(0)
    x = rng.normal(size=(global_batch * args.steps, FEATURES)).astype("float32")
    y = rng.integers(0, CLASSES, size=(global_batch * args.steps,))
    with strategy.scope():
        model = keras.Sequential([layers.Input((FEATURES,)), layers.Dense(args.hidden, activation="relu"),
                                  layers.Dense(args.hidden, activation="relu"), layers.Dense(CLASSES)])
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    times = {}

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            steps = model.__dict__.get("_kerasx_replica_steps")
            if steps is not None:
                steps.timer.reset()
            times[epoch] = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times[epoch] = time.perf_counter() - times[epoch]

    model.fit(x, y, batch_size=global_batch, epochs=2, verbose=0, shuffle=False, callbacks=[Timer()])
    steps = model.__dict__.get("_kerasx_replica_steps")
    reduce_s = steps.timer.seconds / max(steps.timer.calls, 1) if steps is not None else 0.0
    if strategy.is_chief:
        print("RESULT " + json.dumps({"n": n, "pack": args.pack, "epoch_s": times[1],
                                      "step_ms": 1e3 * times[1] / args.steps, "allreduce_ms": 1e3 * reduce_s,
                                      "samples_per_s": global_batch * args.steps / times[1]}), flush=True)


def launch(n, args, pack):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [MPIEXEC, "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker",
               "--batch", str(args.batch), "--steps", str(args.steps), "--hidden", str(args.hidden),
               "--pack", str(pack)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{command} failed (rc {out.returncode}):\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--batch", type=int, default=128, help="per-rank batch")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--pack", type=int, default=0)
    parser.add_argument("--packs", type=int, nargs="+", default=[64 << 10, 1 << 20, 64 << 20])
    # Arguments run_all.py passes to every benchmark (--threads, --max-seconds, ...) that do not apply here
    # are ignored: each rank has one BLAS thread by design.
    args, _ = parser.parse_known_args()
    if args.worker:
        worker(args)
        return
    if not os.access(MPIEXEC, os.X_OK):
        print(f"bench_distribute: no mpiexec next to {sys.executable}; install the extra: pip install -e '.[mpi]'")
        return
    configs = [("size", n, 0) for n in args.sizes] + [("pack", 2, p) for p in args.packs]
    runs = {c: [] for c in configs}
    for r in range(args.rounds):
        for c in configs:
            runs[c].append(launch(c[1], args, c[2]))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def med(c, key):
        return statistics.median(run[key] for run in runs[c])
    params = FEATURES * args.hidden + args.hidden * args.hidden + args.hidden * CLASSES + 2 * args.hidden + CLASSES
    print(f"MLP {FEATURES}-{args.hidden}-{args.hidden}-{CLASSES} ({params} weights, {4 * params / 2**20:.2f} MiB of "
          f"gradients), SGD, per-rank batch {args.batch}, {args.steps} timed steps, 1 BLAS thread per rank, "
          f"{os.cpu_count()} cores; medians of {args.rounds} interleaved rounds")
    print(f"{'ranks':>5} {'samples/s':>10} {'step ms':>8} {'allreduce ms':>12} {'allreduce %':>11} {'efficiency':>10}")
    base = med(("size", 1, 0), "samples_per_s") if ("size", 1, 0) in runs else None
    for n in args.sizes:
        c = ("size", n, 0)
        sps, step, red = med(c, "samples_per_s"), med(c, "step_ms"), med(c, "allreduce_ms")
        eff = f"{sps / (n * base):10.2f}" if base else f"{'-':>10}"
        print(f"{n:>5} {sps:>10.0f} {step:>8.2f} {red:>12.3f} {100 * red / step:>10.1f}% {eff}")
    print(f"\nbytes_per_pack sweep on 2 ranks")
    print(f"{'bytes_per_pack':>14} {'samples/s':>10} {'step ms':>8} {'allreduce ms':>12}")
    for p in args.packs:
        c = ("pack", 2, p)
        print(f"{p:>14} {med(c, 'samples_per_s'):>10.0f} {med(c, 'step_ms'):>8.2f} {med(c, 'allreduce_ms'):>12.3f}")


if __name__ == "__main__":
    main()
