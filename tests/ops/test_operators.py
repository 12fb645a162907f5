"""Tensor's `%` and `//` (`kerasx/ops/operators.py`, composed in `ops.elementwise`): Python's rounding and
sign rules, as tf's floormod/floordiv, reflected forms, dtypes and gradients."""
import numpy as np

from kerasx import GradientTape, Variable, gradcheck, ops
from kerasx.autodiff import as_tensor

X = np.array([-7.0, 7.0, 7.5, -0.5, 6.0], "float32")


def test_mod_takes_the_sign_of_the_divisor_as_python(backend):
    x = as_tensor(X)
    for divisor in (3, -3, 2.5):
        out = x % divisor
        assert out.dtype == "float32"
        np.testing.assert_allclose(out.numpy(), [v % divisor for v in X.tolist()], rtol=1e-6)
    np.testing.assert_allclose((10 % x).numpy(), [10 % v for v in X.tolist()], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose((x % as_tensor(np.array([[3.0], [-3.0]], "float32"))).numpy(),
                               [[v % 3 for v in X.tolist()], [v % -3 for v in X.tolist()]], rtol=1e-6)
    np.testing.assert_allclose(ops.mod(x, 4.0).numpy(), (x % 4.0).numpy())


def test_floor_division_rounds_toward_minus_infinity(backend):
    x = as_tensor(X)
    np.testing.assert_array_equal((x // 2).numpy(), [v // 2 for v in X.tolist()])
    np.testing.assert_array_equal((20 // x).numpy(), [20 // v for v in X.tolist()])
    assert (x // 2).dtype == "float32"


def test_integer_tensors_stay_integers_and_exact(backend):
    x = as_tensor(np.array([-7, 7, 2 ** 60 + 1], "int64"))
    assert (x % 3).dtype == "int64" and (x // 3).dtype == "int64"
    np.testing.assert_array_equal((x % 3).numpy(), [-7 % 3, 7 % 3, (2 ** 60 + 1) % 3])
    np.testing.assert_array_equal((x // -2).numpy(), [-7 // -2, 7 // -2, (2 ** 60 + 1) // -2])


def test_gradients_of_mod_are_one_and_minus_the_quotient(backend):
    x = Variable(np.array([5.5, -2.5, 7.25], "float32"))
    y = Variable(np.array([2.0, 2.0, -3.0], "float32"))
    with GradientTape() as tape:
        total = ops.sum(x % y)
    gx, gy = tape.gradient(total, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gy.numpy(), [-2.0, 2.0, 3.0])  # -floor(x / y)
    # Finite differences in float64, away from the jumps at multiples of y.
    rng = np.random.default_rng(0)
    quotient = rng.integers(-3, 4, size=(3, 4)) + rng.uniform(0.2, 0.8, size=(3, 4))
    divisor = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.5, 2.0, size=(3, 4))
    assert gradcheck(ops.mod, [quotient * divisor, divisor])
    assert gradcheck(lambda a: a % 1.5, [quotient * 1.5])
