"""The plan cache (backends/onednn_cache.py) and plans (backends/onednn_runtime.py): one plan per key, an
unserved key remembered as None, evicted plans and failed builds destroyed, user memories re-pointed at
each call's arrays."""
import numpy as np
import pytest

from backends.onednn_cache import PlanCache
from backends.onednn_runtime import Unsupported
from tests.backends.kernel_test_utils import RED, rand
from tests.backends.onednn_host import backends_or_skip

PADS = ((1, 1), (1, 1))


def test_eviction_closes_the_oldest_plan(monkeypatch):
    fast, generic = backends_or_skip()
    monkeypatch.setattr(PlanCache, "capacity", 2)
    plans = fast._onednn_plans()
    kernel = rand(3, 3, 2, 4, seed=1)
    first = None
    for n in (1, 2, 3):
        x = rand(n, 6, 6, 2, seed=n)
        np.testing.assert_allclose(fast.conv(x, kernel, (1, 1), PADS, (1, 1)),
                                   generic.conv(x, kernel, (1, 1), PADS, (1, 1)), rtol=RED, atol=1e-5)
        if first is None:
            first = next(iter(plans._plans.values()))
            assert first._owned
    assert len(plans) == 2
    assert first._owned == [] and first not in plans._plans.values()
    plans.clear()
    assert len(plans) == 0


def test_unserved_key_is_remembered_and_its_handles_destroyed():
    fast, _ = backends_or_skip()
    plans = fast._onednn_plans()
    seen = []

    def build(plan):
        seen.append(plan)
        plan.md((2, 3), (3, 1))
        raise Unsupported("test: no implementation")
    assert plans.get("k", build) is None
    assert plans.get("k", build) is None
    assert len(seen) == 1 and seen[0]._owned == []


def test_build_errors_propagate_and_close_the_plan():
    fast, _ = backends_or_skip()
    plans = fast._onednn_plans()
    seen = []

    def build(plan):
        seen.append(plan)
        plan.md((2, 3), (3, 1))
        raise ValueError("test: broken build")
    with pytest.raises(ValueError, match="broken build"):
        plans.get("k", build)
    assert seen[0]._owned == [] and "k" not in plans._plans


def test_one_plan_runs_on_each_calls_arrays():
    fast, generic = backends_or_skip()
    kernel = rand(3, 3, 2, 4, seed=1)
    for seed in (1, 2, 3):
        x = rand(2, 6, 6, 2, seed=seed)
        np.testing.assert_allclose(fast.conv(x, kernel * seed, (1, 1), PADS, (1, 1)),
                                   generic.conv(x, kernel * seed, (1, 1), PADS, (1, 1)), rtol=RED, atol=1e-5)
    assert len(fast._onednn_plans()) == 1
