"""K.random_*: shapes, moments, seeds, the random variables."""
import numpy as np
import pytest

from kerasx import backend as K
from kerasx.autodiff.tensor import Variable


def test_random_variables_and_seeds(backend):
    v = K.random_uniform_variable((200, 50), -1.0, 3.0, name="u", seed=7)
    assert isinstance(v, Variable) and v.dtype == "float32"
    values = v.numpy()
    assert values.min() >= -1.0 and values.max() < 3.0 and abs(values.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(K.random_uniform_variable((200, 50), -1.0, 3.0, seed=7).numpy(), values)
    n = K.random_normal_variable((400, 50), 2.0, 0.5).numpy()
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    t = K.truncated_normal((400, 50), stddev=2.0, seed=1).numpy()
    assert np.abs(t).max() <= 4.0
    b = K.random_bernoulli((400, 50), p=0.3).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    np.testing.assert_array_equal(K.random_binomial((5, 5), 0.5, seed=3).numpy(),
                                  K.random_bernoulli((5, 5), 0.5, seed=3).numpy())
    np.testing.assert_array_equal(K.random_normal((3,), seed=4).numpy(), K.random_normal((3,), seed=4).numpy())
    with pytest.raises(ValueError, match=r"random_bernoulli: p must be a probability in \[0, 1\], received 1.5"):
        K.random_bernoulli((2,), p=1.5)
    with pytest.raises(ValueError, match="random_uniform: dtype must be a floating type, received 'int32'"):
        K.random_uniform((2,), dtype="int32")
