import random

import numpy as np
import pytest

from kerasx import initializers, ops
from kerasx.utils import set_random_seed
from kerasx.utils.random import host_generator


def test_set_random_seed_seeds_every_generator(backend):
    def draws():
        return (random.random(), np.random.rand(), host_generator().random(),
                ops.random_uniform((3,)).numpy().tolist(), initializers.GlorotNormal()((3, 3)).numpy().tolist())

    set_random_seed(42)
    first = draws()
    set_random_seed(42)
    assert draws() == first
    set_random_seed(43)
    assert draws() != first


@pytest.mark.parametrize("seed", [1.5, "1", None, True])
def test_seed_must_be_an_integer(seed):
    with pytest.raises(ValueError, match=r"Expected `seed` argument to be an integer\. Received: seed="):
        set_random_seed(seed)
