"""A transformer encoder block, batch 32, sequence 128, d_model 256, 8 heads, FFN 1024, dropout 0.1,
post-norm (PyTorch's `nn.TransformerEncoderLayer` defaults, relu): one training step (forward, MSE
loss, backward, Adam) and one inference call.

Frameworks run round-robin in one process (benchmarks/harness.py); the table reports medians.

Rows:
  kerasx-model[<backend>]  Input -> MultiHeadAttention -> Dropout -> Add -> LayerNormalization -> Dense(relu)
                           -> Dropout -> Dense -> Dropout -> Add -> LayerNormalization; compile(Adam, mse),
                           train_on_batch / predict_on_batch.
  torch[cpu|cuda]          nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.1, batch_first=True), Adam,
                           MSELoss; inference under torch.inference_mode (its fused fast path).

    python benchmarks/bench_transformer.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
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

BATCH, SEQ, D_MODEL, HEADS, FFN, DROPOUT = 32, 128, 256, 8, 1024, 0.1
from harness import LR  # noqa: E402


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((BATCH, SEQ, D_MODEL), dtype=np.float32),
            rng.standard_normal((BATCH, SEQ, D_MODEL), dtype=np.float32))


def _device(backend_name):
    return "gpu" if backend_name == "cupy" else "cpu"


def encoder_block():
    """The kerasx model: PyTorch's TransformerEncoderLayer (norm_first=False) in Keras layers."""
    from kerasx import Input, Model, layers
    x_in = Input((SEQ, D_MODEL))
    attended = layers.MultiHeadAttention(HEADS, D_MODEL // HEADS, dropout=DROPOUT)(x_in, x_in)
    x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x_in, layers.Dropout(DROPOUT)(attended)]))
    f = layers.Dropout(DROPOUT)(layers.Dense(FFN, activation="relu")(x))
    f = layers.Dropout(DROPOUT)(layers.Dense(D_MODEL)(f))
    return Model(x_in, layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, f])))


def _kerasx_model(backend_name):
    from kerasx import optimizers
    from kerasx.autodiff import as_tensor

    b = backends.set_backend(backend_name)
    model = encoder_block()
    model.compile(optimizer=optimizers.Adam(LR), loss="mse")
    x_host, y_host = _data()
    x, y = as_tensor(x_host), as_tensor(y_host)
    model.train_on_batch(x, y)

    def step():
        backends.set_backend(b)
        model.train_on_batch(x, y)
        b.synchronize()

    def predict():
        backends.set_backend(b)
        model.predict_on_batch(x)
        b.synchronize()

    return Case(f"kerasx-model[{backend_name}]", _device(backend_name), step, predict)


def torch_case(device):
    import torch

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, FFN, dropout=DROPOUT, batch_first=True).to(device)
    opt = torch.optim.Adam(layer.parameters(), lr=LR, eps=1e-7)
    loss_fn = torch.nn.MSELoss()
    x_host, y_host = _data()
    x, y = torch.from_numpy(x_host).to(device), torch.from_numpy(y_host).to(device)

    def step():
        layer.train()
        opt.zero_grad(set_to_none=True)
        loss_fn(layer(x), y).backward()
        opt.step()
        sync()

    def predict():
        layer.eval()
        with torch.inference_mode():
            layer(x)
        sync()

    return Case(f"torch[{device}]", "gpu" if device == "cuda" else "cpu", step, predict)


def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== Transformer encoder block (batch {BATCH}, sequence {SEQ}, d_model {D_MODEL}, "
                            f"{HEADS} heads, FFN {FFN}, dropout {DROPOUT}): step = train_on_batch (Adam, mse), "
                            f"predict = one inference call; median of {args.rounds} round-robin rounds x "
                            f"{args.block} calls"),
        kerasx_rows=[_kerasx_model], torch_rows=torch_case)


if __name__ == "__main__":
    main()
