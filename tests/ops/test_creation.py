"""`ops.SeedGenerator`: draws that repeat with their seed on every backend, independent of the global
generators, and follow `set_random_seed` without one."""
import numpy as np

from kerasx import ops
from kerasx.utils import set_random_seed


def test_seeded_generators_repeat_each_other_and_ignore_other_draws(backend):
    a, b = ops.SeedGenerator(7), ops.SeedGenerator(7)
    first = a.uniform((5,), 2.0, 3.0).numpy()
    ops.random_uniform((100,))  # draws from the backend's generator change nothing for seeded ones
    np.testing.assert_array_equal(b.uniform((5,), 2.0, 3.0).numpy(), first)
    assert first.dtype == np.float32 and (first >= 2.0).all() and (first < 3.0).all()
    assert not np.array_equal(a.uniform((5,), 2.0, 3.0).numpy(), first)  # the stream moves on
    assert not np.array_equal(ops.SeedGenerator(8).uniform((5,), 2.0, 3.0).numpy(), first)
    assert [a.host_randint(0, 9) for _ in range(3)] == [b.host_randint(0, 9) for _ in range(3)]
    assert ops.SeedGenerator(7).host_uniform(1.0, 2.0) == ops.SeedGenerator(7).host_uniform(1.0, 2.0)


def test_unseeded_generators_follow_set_random_seed(backend):
    set_random_seed(3)
    first = ops.SeedGenerator().uniform((4,)).numpy(), ops.SeedGenerator().host_uniform()
    set_random_seed(3)
    again = ops.SeedGenerator().uniform((4,)).numpy(), ops.SeedGenerator().host_uniform()
    np.testing.assert_array_equal(first[0], again[0])
    assert first[1] == again[1]
