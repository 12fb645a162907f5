"""BatchNormalization and LayerNormalization layers alone: one training call with its gradient (input,
gamma, beta) and one inference call, kerasx against PyTorch.

    BN: a (64, 32, 32, 32) channels_last batch (PyTorch: BatchNorm2d on the same data in NCHW)
    LN: a (64, 128, 256) batch normalized over its last axis (PyTorch: LayerNorm(256))

Frameworks run round-robin in one process (benchmarks/harness.py); the table reports medians.

Rows:
  kerasx-bn[<backend>], kerasx-ln[<backend>]  the Keras layers under GradientTape (step) and in
                                              inference mode (predict)
  torch-bn[cpu|cuda], torch-ln[cpu|cuda]      the same in PyTorch

    python benchmarks/bench_norm.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402  (adds the repository root to sys.path)
from harness import Case  # noqa: E402

import backends  # noqa: E402

SHAPES = {"bn": (64, 32, 32, 32), "ln": (64, 128, 256)}


def _data(kind, seed=0):
    rng = np.random.default_rng(seed)
    shape = SHAPES[kind]
    return (1.0 + rng.standard_normal(shape, dtype=np.float32)), rng.standard_normal(shape, dtype=np.float32)


def _device(backend_name):
    return "gpu" if backend_name == "cupy" else "cpu"


# ---------------------------------------------------------------- kerasx
def _kerasx_row(kind):
    def factory(backend_name):
        from kerasx import GradientTape, layers
        from kerasx.autodiff import as_tensor

        b = backends.set_backend(backend_name)
        layer = layers.BatchNormalization() if kind == "bn" else layers.LayerNormalization()
        x_host, g_host = _data(kind)
        x, g = as_tensor(x_host), as_tensor(g_host)
        layer(x, training=True)

        def step():
            backends.set_backend(b)
            with GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
            # The output's cotangent given directly, as PyTorch's y.backward(g): no loss op in either row.
            tape.gradient(y, [x, layer.gamma, layer.beta], output_gradients=g)
            b.synchronize()

        def predict():
            backends.set_backend(b)
            layer(x, training=False)
            b.synchronize()

        return Case(f"kerasx-{kind}[{backend_name}]", _device(backend_name), step, predict)
    return factory


# ---------------------------------------------------------------- PyTorch
def torch_cases(device):
    import torch

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    cases = []
    for kind in ("bn", "ln"):
        x_host, g_host = _data(kind)
        if kind == "bn":  # NCHW, PyTorch's layout for BatchNorm2d
            x_host, g_host = (np.ascontiguousarray(a.transpose(0, 3, 1, 2)) for a in (x_host, g_host))
            layer = torch.nn.BatchNorm2d(x_host.shape[1], eps=1e-3, momentum=0.01)
        else:
            layer = torch.nn.LayerNorm(x_host.shape[-1], eps=1e-3)
        layer = layer.to(device)
        x = torch.from_numpy(x_host).to(device).requires_grad_()
        g = torch.from_numpy(g_host).to(device)

        def step(layer=layer, x=x, g=g):
            layer.train()
            x.grad = None
            layer.zero_grad(set_to_none=True)
            layer(x).backward(g)
            sync()

        def predict(layer=layer, x=x):
            layer.eval()
            with torch.inference_mode():
                layer(x)
            sync()

        cases.append(Case(f"torch-{kind}[{device}]", "gpu" if device == "cuda" else "cpu", step, predict))
    return cases


def table(cases):
    """As `harness.table`, each kerasx row against the torch row of its own layer and device."""
    lines = []
    for kind in ("bn", "ln"):
        rows = [c for c in cases if c.name.split("[")[0].endswith(kind)]
        lines += harness.table(rows)[:-1] if kind == "bn" else harness.table(rows)
    return lines


def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== BatchNormalization {SHAPES['bn']} and LayerNormalization {SHAPES['ln']}: "
                            "step = training call + gradient, predict = inference call; median of "
                            f"{args.rounds} round-robin rounds x {args.block} calls"),
        kerasx_rows=[_kerasx_row("bn"), _kerasx_row("ln")], torch_rows=torch_cases, table_fn=table)


if __name__ == "__main__":
    main()
