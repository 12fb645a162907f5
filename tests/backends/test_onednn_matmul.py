"""oneDNN's matmul and dense (backends/onednn_matmul.py) against the generic kernels on the same inputs,
including the transposed operands the tape passes (described by strides, not copied) and operands with no
unit stride (copied). Skipped where oneDNN is not installed."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import RED, rand
from tests.backends.onednn_host import backends_or_skip, served

CASES = [
    ("plain", lambda: (rand(64, 300, seed=1), rand(300, 16, seed=2))),
    ("a transposed", lambda: (rand(300, 64, seed=1).T, rand(300, 16, seed=2))),
    ("b transposed", lambda: (rand(64, 300, seed=1), rand(16, 300, seed=2).T)),
    ("both transposed", lambda: (rand(300, 64, seed=1).T, rand(16, 300, seed=2).T)),
    ("no unit stride", lambda: (rand(64, 600, seed=1)[:, ::2], rand(300, 32, seed=2)[:, ::2])),
    ("3-D by 2-D", lambda: (rand(4, 5, 7, seed=1), rand(7, 3, seed=2))),
    ("one row", lambda: (rand(1, 9, seed=1), rand(9, 4, seed=2))),
]


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_matmul_matches_generic(make):
    fast, generic = backends_or_skip()
    a, b = make()
    a0, b0 = a.copy(), b.copy()
    got, want = fast.matmul(a, b), generic.matmul(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RED, atol=1e-4)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)
    assert served(fast, "matmul")


@pytest.mark.parametrize("relu", [False, True])
def test_dense_fuses_bias_and_relu(relu):
    fast, generic = backends_or_skip()
    x, kernel, bias = rand(2, 8, 30, seed=1), rand(30, 12, seed=2), rand(12, seed=3)
    got = fast.dense(x, kernel, bias, relu)
    np.testing.assert_allclose(got, generic.dense(x, kernel, bias, relu), rtol=RED, atol=1e-4)
    assert got.shape == (2, 8, 12)
    assert served(fast, "matmul")


def test_batched_and_float64_products_run_the_generic_kernel():
    fast, generic = backends_or_skip()
    a, b = rand(3, 4, 5, seed=1), rand(3, 5, 2, seed=2)
    np.testing.assert_array_equal(fast.matmul(a, b), generic.matmul(a, b))
    a64, b64 = a[0].astype("float64"), b[0].astype("float64")
    np.testing.assert_array_equal(fast.matmul(a64, b64), generic.matmul(a64, b64))
    assert not fast.onednn_implementations()
