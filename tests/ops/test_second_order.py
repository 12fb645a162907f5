"""Every primitive's differentiable VJP (`diff_vjp`, the form the tape runs when an outer tape records),
generated from the registry on every available backend: it gives the raw VJP's values, and its own
gradient (with respect to the inputs and the cotangent) matches float64 finite differences of the raw
VJP."""
import numpy as np
import pytest

import kerasx.ops  # noqa: F401  (registers every primitive)
from kerasx.autodiff import REGISTRY, GradientTape, Tensor, as_tensor, gradcheck

DIFFERENTIABLE = sorted(name for name, p in REGISTRY.items() if p.differentiable)
SECOND_ORDER = sorted(name for name in DIFFERENTIABLE if REGISTRY[name].diff_vjp is not None)


def test_every_differentiable_primitive_has_a_differentiable_vjp():
    # A new primitive without one would make gradients of gradients through it raise (naming it).
    assert sorted(set(DIFFERENTIABLE) - set(SECOND_ORDER)) == []


def _is_float(x):
    return isinstance(x, Tensor) and x.dtype == "float64"


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


def _vjp_of(prim, params, n_inputs):
    """``fn(*inputs, *cotangents)`` -> the primitive's VJP at `inputs`, one gradient per float input."""
    def fn(*args):
        xs, cots = args[:n_inputs], args[n_inputs:]
        with GradientTape() as inner:
            for x in xs:
                if _is_float(x):
                    inner.watch(x)
            outs = [o for o in _outputs(prim(*xs, **params)) if o.dtype == "float64"]
        return tuple(inner.gradient(outs, [x for x in xs if _is_float(x)], output_gradients=list(cots),
                                    unconnected_gradients="zero"))
    return fn


def _tensors(values):
    return [as_tensor(v) if isinstance(v, np.ndarray) else v for v in values]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_differentiable_vjp_matches_the_vjp_and_finite_differences(backend, name):
    prim = REGISTRY[name]
    rng = np.random.default_rng(2)
    for args, params in prim.samples(np.random.default_rng(1)):
        args = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
        outs = [o for o in _outputs(prim(*_tensors(args), **params)) if o.dtype == "float64"]
        cots = [rng.standard_normal(o.shape) for o in outs]
        fn = _vjp_of(prim, params, len(args))
        raw = fn(*_tensors(args + cots))
        inputs = _tensors(args + cots)
        with GradientTape() as outer:
            for x in inputs:
                if _is_float(x):
                    outer.watch(x)
            differentiable = fn(*inputs)
        for r, d in zip(raw, differentiable):
            np.testing.assert_allclose(d.numpy(), r.numpy(), rtol=1e-10, atol=1e-12)
        gradcheck(fn, args + cots)
