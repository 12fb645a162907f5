"""The NumPy backend with and without its oneDNN kernels, against PyTorch, in one interleaved run.

Rows (each ratio is against torch in the same group):
  full model   the MNIST CNN of bench_cnn.py (Conv2D 32 -> Conv2D 64 -> MaxPool -> Dense 128 -> Dense 10,
               Adam, batch 64), one train_on_batch step
  conv part    its two Conv2D+relu layers alone (ops.conv + GradientTape + Adam), as bench_cnn.py
  kernels      single kernels, numpy-only vs oneDNN (no torch): the MNIST CNN's second convolution and its
               pooling, the ReLU gradient on its output, BatchNormalization's and LayerNormalization's kernels on (64, 24, 24, 32), and an
               LSTM(128) and a GRU(128) (reset_after) over 50 steps, batch 64, 32 features, forward +
               backward (batch norm and the recurrent layers are timed through oneDNN here although the
               backend leaves them to NumPy by default:
               `OneDNNNumpyBackend.onednn_off`)
The `onednn+openblas` model row is the oneDNN backend with its GEMMs (Dense layers) left on OpenBLAS: the
mixed step, two thread pools on the same cores, that routing every GEMM through oneDNN avoids.

Then the implementation names oneDNN reported for every plan the run built (`brgconv:avx512_core`,
`jit:avx512_core`, ... ; a `gemm:*` or `ref:*` name would be one of its slow paths).

    python benchmarks/bench_onednn.py [--rounds 10] [--block 5] [--threads 2] [--no-torch] [--max-seconds N]
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import backends  # noqa: E402
from backends import onednn_library  # noqa: E402
import bench_cnn  # noqa: E402  (same directory)
import harness  # noqa: E402
from backends.numpy_backend import NumpyBackend  # noqa: E402
from backends.onednn_backend import OneDNNNumpyBackend  # noqa: E402
from bench_cnn import BATCH, CLASSES, CONV, SIDE, Case  # noqa: E402


class MixedBackend(OneDNNNumpyBackend):
    """oneDNN's kernels with the generic (OpenBLAS) matmul and dense: the mixed step."""
    matmul = NumpyBackend.matmul
    dense = NumpyBackend.dense


def model_case(label, b):
    import kerasx as keras
    from kerasx import layers

    backends.set_backend(b)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        layers.Conv2D(32, 3, activation="relu", input_shape=(SIDE, SIDE, 1)),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(harness.LR), loss="sparse_categorical_crossentropy")
    x, y = bench_cnn._data()
    model.train_on_batch(x, y)

    def step():
        backends.set_backend(b)
        model.train_on_batch(x, y)

    return Case(f"kerasx-model[{label}]", "full model", "cpu", step)


def conv_case(label, b):
    from kerasx import GradientTape, Variable, ops
    from kerasx.autodiff import as_tensor

    backends.set_backend(b)
    rng = np.random.default_rng(0)
    params = []
    for c_in, c_out in CONV:
        params += [Variable(bench_cnn._glorot(rng, (3, 3, c_in, c_out), 9 * c_in, 9 * c_out)),
                   Variable(np.zeros(c_out, np.float32))]
    slots = [(b.zeros(p.shape, "float32"), b.zeros(p.shape, "float32")) for p in params]
    x = as_tensor(bench_cnn._data()[0])
    state = {"t": 0}

    def step():
        backends.set_backend(b)
        with GradientTape() as tape:
            h = x
            for i in range(0, len(params), 2):
                h = ops.conv(h, params[i], bias=params[i + 1], relu=True)
            loss = ops.mean(ops.square(h))
        harness.adam_step(b, params, tape.gradient(loss, params), slots, state)

    return Case(f"kerasx-conv-raw[{label}]", "conv part", "cpu", step)


def kernel_cases(label, b):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 26, 26, 32), dtype=np.float32)
    k = rng.standard_normal((3, 3, 32, 64), dtype=np.float32) * 0.1
    bias = rng.standard_normal(64, dtype=np.float32)
    g = rng.standard_normal((BATCH, 24, 24, 64), dtype=np.float32)
    p = rng.standard_normal((BATCH, 24, 24, 64), dtype=np.float32)
    py = NumpyBackend().max_pool(p, (2, 2), (2, 2), "valid")
    pg = rng.standard_normal(py.shape, dtype=np.float32)
    geo = ((1, 1), ((0, 0), (0, 0)), (1, 1))
    bn_x = rng.standard_normal((BATCH, 24, 24, 32), dtype=np.float32)
    bn_p = np.ones(32, np.float32), np.zeros(32, np.float32)
    bn = NumpyBackend().batch_norm_train(bn_x, *bn_p, (3,), 1e-3)
    ln = NumpyBackend().layer_norm(bn_x, *bn_p, (3,), 1e-3)
    lstm_args = [(rng.standard_normal(s) * 0.1).astype(np.float32)
                 for s in ((BATCH, 50, 32), (32, 512), (128, 512), (512,), (BATCH, 128), (BATCH, 128))]
    lstm_g = [(rng.standard_normal(s)).astype(np.float32) for s in ((BATCH, 50, 128), (BATCH, 128), (BATCH, 128))]

    def lstm():
        out = b.lstm_forward(*lstm_args)
        b.lstm_backward(*lstm_g, out[3])

    gru_args = [(rng.standard_normal(s) * 0.1).astype(np.float32)
                for s in ((BATCH, 50, 32), (32, 384), (128, 384), (2, 384), (BATCH, 128))]

    def gru():  # reset_after=True, tf.keras's default (oneDNN's lbr_gru)
        out = b.gru_forward(*gru_args)
        b.gru_backward(*lstm_g[:2], out[2])

    ops = {
        "conv fwd+bias+relu": lambda: b.conv(x, k, *geo, bias=bias, relu=True, saved={}),
        "conv bwd-data": lambda: b.conv_grad_input(g, k, x.shape, *geo),
        "conv bwd-weights": lambda: b.conv_grad_kernel(x, g, k.shape, *geo),
        "maxpool 2x2 fwd": lambda: b.max_pool(p, (2, 2), (2, 2), "valid"),
        "maxpool 2x2 bwd": lambda: b.max_pool_grad(pg, p, py, (2, 2), (2, 2), "valid"),
        "batchnorm fwd (train)": lambda: b.batch_norm_train(bn_x, *bn_p, (3,), 1e-3),
        "batchnorm bwd": lambda: b.batch_norm_grad(bn_x, bn_x, bn[1], bn[3], bn_p[0], (3,)),
        "layernorm fwd": lambda: b.layer_norm(bn_x, *bn_p, (3,), 1e-3),
        "layernorm bwd": lambda: b.layer_norm_grad(bn_x, bn_x, ln[1], ln[2], bn_p[0], (3,)),
        "relu grad": lambda: b.relu_grad(g, p),
        "lstm(128) fwd+bwd": lstm,
        "gru(128) fwd+bwd": gru,
    }
    return [Case(f"{name}[{label}]", "kernels", "cpu", fn) for name, fn in ops.items()]


def torch_cases():
    return bench_cnn.torch_cases("cpu")


def table(cases):
    """Median (IQR) per row; ratio to torch in the full-model and conv groups, to numpy-only in kernels."""
    stats = {c.name: bench_cnn._quartiles_ms(c.times) for c in cases}
    ref = {}
    for c in cases:
        if c.name.startswith("torch"):
            ref.setdefault(c.group, c.name)
    header = f"{'row':32s} {'group':10s} {'ms (IQR)':>21s} {'vs torch':>8s} {'vs numpy':>8s}"
    lines = [header, "-" * len(header)]
    for c in cases:
        med, q1, q3 = stats[c.name]
        r_torch = f"{med / stats[ref[c.group]][0]:.2f}x" if c.group in ref and not c.name.startswith("torch") \
            else "-"
        twin = c.name.replace("[onednn]", "[numpy-only]")
        r_np = f"{med / stats[twin][0]:.2f}x" if twin != c.name and twin in stats else "-"
        lines.append(f"{c.name:32s} {c.group:10s} {med:7.2f} ({q1:6.2f}-{q3:6.2f}) {r_torch:>8s} {r_np:>8s}")
    lines.append("ratios: median / median of torch (same group) and of the numpy-only row (below 1: faster)")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--block", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cooldown", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="no round starts after this many seconds of timing (default: no limit)")
    parser.add_argument("--backends", nargs="*", default=None,
                        help="accepted for run_all.py; this table always compares the NumPy backend's two "
                             "kernel providers")
    args = parser.parse_args(argv)
    limiter = harness.limit_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))  # before oneDNN's OpenMP starts
    if onednn_library.library() is None:
        print("bench_onednn: oneDNN is not installed or cannot be used here (pip install kerasx[onednn]): "
              f"nothing to compare. {onednn_library.load_error() or ''}")
        return
    generic, fast = NumpyBackend(), OneDNNNumpyBackend()
    print(f"== oneDNN kernels vs the NumPy kernels vs PyTorch; median of {args.rounds} round-robin rounds x "
          f"{args.block} steps")
    print("\n".join(harness.environment_lines(args.threads)))
    print(f"  OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print("  " + fast.kernel_info())
    cases = []
    for factory in (model_case, conv_case):
        cases += [factory("numpy-only", generic), factory("onednn", fast)]
        if factory is model_case:
            cases.append(factory("onednn+openblas", MixedBackend()))
        if factory is model_case and not args.no_torch:
            cases += _torch_rows(args.threads, "full model")
        if factory is conv_case and not args.no_torch:
            cases += _torch_rows(args.threads, "conv part")
    every = OneDNNNumpyBackend()
    every.onednn_off = frozenset()  # the kernel rows time the families that are off by default too
    for label, b in (("numpy-only", generic), ("onednn", every)):
        cases += kernel_cases(label, b)
    order = sorted(range(len(cases)), key=lambda i: (cases[i].group != "full model", cases[i].group, i))
    cases = [cases[i] for i in order]
    deadline = None if args.max_seconds is None else time.perf_counter() + args.max_seconds
    done = bench_cnn.run(cases, args.rounds, args.block, args.warmup, args.cooldown, deadline)
    if done < args.rounds:
        print(f"  --max-seconds {args.max_seconds:g}: stopped after {done} of {args.rounds} rounds")
    print("\n".join(table(cases)))
    print("oneDNN implementations (plan: primitives; reorders):")
    plans = {**fast.onednn_implementations(), **every.onednn_implementations()}
    for key, (impl, reorders) in plans.items():
        shapes = " ".join(str(part) for part in key[1:] if not isinstance(part, (bool, float)))[:110]
        line = f"  {key[0]} {shapes}: {', '.join(impl)}"
        print(line + (f"; reorders {', '.join(reorders)}" if reorders else ""))
    if limiter is not None:
        limiter.restore_original_limits()


_TORCH = {}


def _torch_rows(threads, group):
    if "rows" not in _TORCH:
        try:
            import torch
        except ImportError:
            print("  torch not importable: no PyTorch rows")
            _TORCH["rows"] = []
        else:
            torch.set_num_threads(threads)
            print(f"  torch {torch.__version__}, threads {torch.get_num_threads()}")
            _TORCH["rows"] = torch_cases()
    return [c for c in _TORCH["rows"] if c.group == group]


if __name__ == "__main__":
    main()
