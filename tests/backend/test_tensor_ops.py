"""K.cumsum/cumprod/prod/all/any/repeat_elements/repeat/tile/reverse/arange/eye/update*/sin/cos: values against
NumPy, float64 gradients, errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import backend as K

RNG = np.random.default_rng(2)
X = RNG.standard_normal((3, 4)).astype("float32")


def test_cumsum_cumprod_prod(backend):
    np.testing.assert_allclose(K.cumsum(X).numpy(), np.cumsum(X, 0), rtol=1e-6)
    np.testing.assert_allclose(K.cumsum(X, axis=-1).numpy(), np.cumsum(X, 1), rtol=1e-6)
    with_zero = np.array([[2.0, 0.0, -3.0], [1.0, -1.0, 4.0]], "float32")
    np.testing.assert_allclose(K.cumprod(with_zero, axis=1).numpy(), np.cumprod(with_zero, 1))
    np.testing.assert_allclose(K.prod(with_zero, axis=0).numpy(), np.prod(with_zero, 0))
    np.testing.assert_allclose(K.prod(X, keepdims=True).numpy(), np.prod(X, keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(K.cumsum(np.arange(4, dtype="int32")).numpy(), [0, 1, 3, 6])
    assert keras.gradcheck(lambda a: K.cumsum(a, axis=1), [RNG.standard_normal((2, 3))])
    assert keras.gradcheck(lambda a: K.cumprod(a, axis=0), [RNG.standard_normal((3, 2))])
    assert keras.gradcheck(lambda a: K.prod(a, axis=1), [RNG.standard_normal((2, 3))])
    with pytest.raises(ValueError, match="cumsum: axis 2 is out of range for an input of rank 2"):
        K.cumsum(X, axis=2)


def test_all_any(backend):
    x = np.array([[1, 0], [2, 3]], "float32")
    assert K.all(x, axis=1).numpy().tolist() == [False, True]
    assert K.any(x, axis=0).numpy().tolist() == [True, True]
    assert not bool(K.all(x).numpy())


def test_repeat_elements_repeat_tile_reverse(backend):
    np.testing.assert_array_equal(K.repeat_elements(X, 3, axis=1).numpy(), np.repeat(X, 3, axis=1))
    np.testing.assert_array_equal(K.repeat(X, 2).numpy(), np.repeat(X[:, None], 2, axis=1))
    np.testing.assert_array_equal(K.tile(X, (2, 3)).numpy(), np.tile(X, (2, 3)))
    np.testing.assert_array_equal(K.reverse(X, 1).numpy(), X[:, ::-1])
    np.testing.assert_array_equal(K.reverse(X, [0, 1]).numpy(), X[::-1, ::-1])
    for fn in (lambda a: K.repeat_elements(a, 2, axis=0), lambda a: K.tile(a, (1, 2)),
               lambda a: K.reverse(a, 0)):
        assert keras.gradcheck(fn, [RNG.standard_normal((2, 3))])
    with pytest.raises(ValueError, match="repeat_elements: `rep` must be a positive integer, received 0"):
        K.repeat_elements(X, 0, axis=0)
    with pytest.raises(ValueError, match=r"tile: `n` needs one multiple per axis of the input's 2, received \(2,\)"):
        K.tile(X, 2)


def test_arange_eye_and_updates(backend):
    np.testing.assert_array_equal(K.arange(5).numpy(), np.arange(5))
    np.testing.assert_array_equal(K.arange(1, 8, 3).numpy(), [1, 4, 7])
    assert K.arange(5, 2).shape == (0,)
    np.testing.assert_array_equal(K.eye(3).numpy(), np.eye(3))
    assert K.eye((2, 3)).numpy().shape == (2, 3) and K.eye(2).dtype == "float32"
    v = K.variable(np.array([1.0, 2.0]))
    K.update_add(v, np.array([1.0, 1.0], "float32"))
    K.update_sub(v, np.array([0.5, 0.5], "float32"))
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5])
    K.update(v, np.array([0.0, 0.0], "float32"))
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])
    assert K.cast_to_floatx(np.array([1, 2])).dtype == "float32"


def test_round_halves_to_even(backend):
    x = np.array([-2.5, -1.5, -0.6, -0.5, 0.4, 0.5, 1.5, 2.5, 2.7], "float32")
    np.testing.assert_array_equal(K.round(x).numpy(), np.round(x))
    assert K.round(x).dtype == "float32"


def test_sin_and_cos(backend):
    angles = np.linspace(-7.0, 7.0, 29).astype("float32")
    np.testing.assert_allclose(K.sin(angles).numpy(), np.sin(angles), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(K.cos(angles).numpy(), np.cos(angles), rtol=1e-6, atol=1e-6)
    assert K.sin(angles).dtype == "float32"
    assert keras.gradcheck(K.sin, [RNG.standard_normal((2, 3))])
    assert keras.gradcheck(K.cos, [RNG.standard_normal((2, 3))])
    # d/dx sin(x)·cos(x) = cos(2x), by hand
    x = keras.Variable(np.array([0.3, -1.1, 2.0]))
    with keras.GradientTape() as tape:
        y = K.sum(K.sin(x) * K.cos(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos(2 * np.array([0.3, -1.1, 2.0])),
                               rtol=1e-12)
