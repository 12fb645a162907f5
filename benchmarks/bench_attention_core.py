"""The scaled dot-product attention core alone, (32, 8, 128, 32) queries, keys and values (batch 32,
8 heads, 128 positions, 32 per head), a causal mask and dropout 0.1: the fused primitive against the
same computation composed from kerasx ops, and PyTorch's `scaled_dot_product_attention`.

Frameworks run round-robin in one process (benchmarks/harness.py); the table reports medians.

Rows (step = forward and the gradient of q, k and v for a given output cotangent; predict = forward):
  kerasx-fused[<backend>]     ops.attention: one tape node, its own backward kernel.
  kerasx-composed[<backend>]  matmul, scale, -1e9 mask, softmax, dropout multiply, matmul: six nodes.
  torch[cpu|cuda]             torch.nn.functional.scaled_dot_product_attention(is_causal=True, dropout_p).

    python benchmarks/bench_attention_core.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
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

SHAPE, DROPOUT = (32, 8, 128, 32), 0.1
SCALE = 1.0 / np.sqrt(SHAPE[-1])


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(SHAPE, dtype=np.float32) for _ in range(4)]


def _device(backend_name):
    return "gpu" if backend_name == "cupy" else "cpu"


def _composed(ops, q, k, v, mask, keep):
    scores = ops.multiply(ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))), float(SCALE))
    scores = ops.add(scores, ops.multiply(ops.subtract(ops.cast(mask, dtype="float32"), 1.0), 1e9))
    return ops.matmul(ops.multiply(ops.softmax(scores, axis=-1), keep), v)


def _kerasx_row(kind):
    def factory(backend_name):
        from kerasx import GradientTape, ops
        from kerasx.autodiff import as_tensor

        b = backends.set_backend(backend_name)
        q, k, v, g = (as_tensor(a) for a in _data())
        mask = ops.reshape(ops.causal_mask(SHAPE[2], SHAPE[2]), (1, 1, SHAPE[2], SHAPE[2]))
        keep_p = 1.0 - DROPOUT

        def forward():
            keep = ops.multiply(ops.random_bernoulli(SHAPE[:3] + (SHAPE[2],), p=keep_p), 1.0 / keep_p)
            if kind == "fused":
                return ops.attention(q, k, v, mask, keep, scale=float(SCALE))
            return _composed(ops, q, k, v, mask, keep)

        def step():
            backends.set_backend(b)
            with GradientTape() as tape:
                tape.watch([q, k, v])
                out = forward()
            tape.gradient(out, [q, k, v], output_gradients=g)
            b.synchronize()

        def predict():
            backends.set_backend(b)
            if kind == "fused":
                ops.attention(q, k, v, mask, scale=float(SCALE))
            else:
                _composed(ops, q, k, v, mask, 1.0)
            b.synchronize()

        return Case(f"kerasx-{kind}[{backend_name}]", _device(backend_name), step, predict)
    return factory


def torch_case(device):
    import torch
    import torch.nn.functional as F

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    q, k, v, g = (torch.from_numpy(a).to(device) for a in _data())
    for t in (q, k, v):
        t.requires_grad_()

    def step():
        for t in (q, k, v):
            t.grad = None
        F.scaled_dot_product_attention(q, k, v, dropout_p=DROPOUT, is_causal=True).backward(g)
        sync()

    def predict():
        with torch.inference_mode():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)
        sync()

    return Case(f"torch[{device}]", "gpu" if device == "cuda" else "cpu", step, predict)


def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== Attention core {SHAPE} (causal, dropout {DROPOUT}): step = forward + gradient "
                            f"of q, k, v; predict = forward; median of {args.rounds} round-robin rounds x "
                            f"{args.block} calls"),
        kerasx_rows=[_kerasx_row("fused"), _kerasx_row("composed")], torch_rows=torch_case)


if __name__ == "__main__":
    main()
