"""ResNet50 inference: `predict` on a batch of 8 images, 224x224x3, float32, random weights
(`applications.ResNet50(weights=None)`), kerasx against PyTorch, one interleaved run.

Rows (ratios against the torch row; the oneDNN row also against the numpy-only one):
  kerasx[numpy-only]  the NumPy backend with its generic kernels (what KERASX_CPU_KERNELS=numpy gives)
  kerasx[onednn]      the NumPy backend with oneDNN's kernels (the default where kerasx[onednn] is installed)
  torch[cpu]          the same network written here in torch.nn (no torchvision): Keras's ResNet50 v1,
                      bottleneck blocks with the stride on the first 1x1 convolution and biased
                      convolutions as Keras has them, eval mode, under torch.no_grad, NCHW

Each timed call is one `model.predict(x, batch_size=8, verbose=0)` (the data adapter and the host copy
of the result included), against `model(x)` in torch. Before timing, the two kerasx rows' outputs are
checked against each other (same seed, same weights).

    OMP_WAIT_POLICY=passive python benchmarks/bench_resnet50_predict.py [--rounds 5] [--block 2] [--threads 2]
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
import bench_cnn  # noqa: E402  (same directory: Case, run, quartiles)
import harness  # noqa: E402
from backends import onednn_library  # noqa: E402
from backends.numpy_backend import NumpyBackend  # noqa: E402

BATCH, SIDE, CLASSES = 8, 224, 1000
STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # (filters, blocks, first stride) of conv2..5


def _images(seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (BATCH, SIDE, SIDE, 3)).astype(np.float32)


# ---------------------------------------------------------------- kerasx
def kerasx_case(label, b):
    import kerasx as keras

    backends.set_backend(b)
    keras.utils.set_random_seed(0)
    model = keras.applications.ResNet50(weights=None)
    x = _images()
    model.predict(x, batch_size=BATCH, verbose=0)

    def step():
        backends.set_backend(b)
        model.predict(x, batch_size=BATCH, verbose=0)

    case = bench_cnn.Case(f"kerasx[{label}]", "predict", "cpu", step)
    case.output = lambda: (backends.set_backend(b), model.predict(x, batch_size=BATCH, verbose=0))[1]
    return case


# ---------------------------------------------------------------- PyTorch
def torch_case(threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)

    def conv_bn(c_in, c_out, k, stride=1, padding=0):
        # Keras's blocks: biased convolutions, BatchNormalization(epsilon=1.001e-5).
        return [nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding), nn.BatchNorm2d(c_out, eps=1.001e-5)]

    class Bottleneck(nn.Module):
        def __init__(self, c_in, filters, stride, project):
            super().__init__()
            self.body = nn.Sequential(*conv_bn(c_in, filters, 1, stride), nn.ReLU(),
                                      *conv_bn(filters, filters, 3, padding=1), nn.ReLU(),
                                      *conv_bn(filters, 4 * filters, 1))
            self.shortcut = nn.Sequential(*conv_bn(c_in, 4 * filters, 1, stride)) if project else nn.Identity()

        def forward(self, x):
            return torch.relu(self.shortcut(x) + self.body(x))

    blocks, c_in = [], 64
    for filters, count, stride in STAGES:
        for i in range(count):
            blocks.append(Bottleneck(c_in, filters, stride if i == 0 else 1, project=i == 0))
            c_in = 4 * filters
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.ZeroPad2d(3), *conv_bn(3, 64, 7, stride=2), nn.ReLU(), nn.ZeroPad2d(1), nn.MaxPool2d(3, stride=2),
        *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, CLASSES), nn.Softmax(dim=-1)).eval()
    n_params = sum(p.numel() for p in model.parameters()) + sum(
        m.running_mean.numel() + m.running_var.numel() for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    x = torch.from_numpy(_images().transpose(0, 3, 1, 2).copy())  # NCHW, torch's default layout

    def step():
        with torch.no_grad():
            model(x)

    step()
    case = bench_cnn.Case("torch[cpu]", "predict", "cpu", step)
    case.note = (f"torch {torch.__version__}, threads {torch.get_num_threads()}, {n_params} parameters "
                 "(with batch-norm statistics, as count_params counts them)")
    return case


# ---------------------------------------------------------------- reporting
def table(cases):
    stats = {c.name: bench_cnn._quartiles_ms(c.times) for c in cases}
    torch_ms = stats["torch[cpu]"][0] if "torch[cpu]" in stats else None
    numpy_ms = stats.get("kerasx[numpy-only]", (None,))[0]
    header = f"{'row':22s} {'predict ms (IQR)':>26s} {'vs torch':>8s} {'vs numpy':>8s} {'images/s':>8s}"
    lines = [header, "-" * len(header)]
    for c in cases:
        med, q1, q3 = stats[c.name]
        r_torch = f"{med / torch_ms:.2f}x" if torch_ms and not c.name.startswith("torch") else "-"
        r_np = f"{med / numpy_ms:.2f}x" if c.name == "kerasx[onednn]" and numpy_ms else "-"
        lines.append(f"{c.name:22s} {med:9.1f} ({q1:7.1f}-{q3:7.1f}) {r_torch:>8s} {r_np:>8s} "
                     f"{BATCH / med * 1e3:8.1f}")
    lines.append("ratios: median / median of torch and of the numpy-only row (below 1: faster)")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # One call is a second or more on 2 cores: fewer, shorter rounds than the other benchmarks.
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
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
    print(f"== ResNet50 predict, batch {BATCH}, {SIDE}x{SIDE}x3 float32, weights=None; median of "
          f"{args.rounds} round-robin rounds x {args.block} calls")
    print("\n".join(harness.environment_lines(args.threads)))
    print(f"  OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    cases = [kerasx_case("numpy-only", NumpyBackend())]
    if onednn_library.library() is not None:
        from backends.onednn_backend import OneDNNNumpyBackend
        fast = OneDNNNumpyBackend()
        print("  " + fast.kernel_info())
        cases.append(kerasx_case("onednn", fast))
        diff = np.abs(cases[0].output() - cases[1].output()).max()
        print(f"  numpy-only vs onednn outputs: max abs difference {diff:.2e}")
    else:
        print(f"  oneDNN not usable here: no onednn row. {onednn_library.load_error() or ''}")
    if not args.no_torch:
        try:
            cases.append(torch_case(args.threads))
            print("  " + cases[-1].note)
        except ImportError:
            print("  torch not importable: no PyTorch row")
    deadline = None if args.max_seconds is None else time.perf_counter() + args.max_seconds
    done = bench_cnn.run(cases, args.rounds, args.block, args.warmup, args.cooldown, deadline)
    if done < args.rounds:
        print(f"  --max-seconds {args.max_seconds:g}: stopped after {done} of {args.rounds} rounds")
    print("\n".join(table(cases)))
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
