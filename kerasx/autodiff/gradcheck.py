"""`gradcheck`: compares a function's tape gradients with central finite differences in float64.

Public so that users can check their own ops; the test suite runs it on every registered primitive.
"""
import numpy as np  # host-side test utility: builds perturbed float64 copies of the inputs

import backends
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.tensor import Tensor


def _as_outputs(out):
    return out if isinstance(out, (tuple, list)) else (out,)


def gradcheck(fn, inputs, params=None, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0):
    """Checks ``fn(*inputs, **params)``'s gradients against central differences.

    ``inputs`` are NumPy arrays (converted to float64 on the active backend) or Python numbers (held
    constant). Each output is contracted with a fixed random cotangent, so every element of the
    Jacobian takes part. Returns True, or raises AssertionError naming the input and worst element.
    """
    params = params or {}
    b = backends.get()
    rng = np.random.default_rng(seed)
    host = [_host_input(x) for x in inputs]

    def call(values, tape=None):
        ts = [Tensor(b.asarray(v.copy())) if isinstance(v, np.ndarray) else v for v in values]
        if tape is not None:
            for t in ts:
                if isinstance(t, Tensor) and t.dtype == "float64":
                    tape.watch(t)
        return ts, _as_outputs(fn(*ts, **params))

    with GradientTape(persistent=True) as tape:
        ts, outs = call(host, tape)
    float_outs = [o for o in outs if o.dtype == "float64"]
    if not float_outs:
        raise AssertionError("gradcheck: the function returned no float64 output to differentiate.")
    cots = [rng.standard_normal(o.shape) for o in float_outs]
    wrt = [t for t in ts if isinstance(t, Tensor) and t.dtype == "float64"]
    # Seeding each output with its cotangent differentiates sum_i <out_i, cot_i>, the same scalar the
    # finite differences below perturb.
    grads = tape.gradient(float_outs, wrt, output_gradients=[Tensor(b.asarray(c)) for c in cots],
                          unconnected_gradients="zero")

    def value(values):
        _, outs2 = call(values)
        outs2 = [o for o in outs2 if o.dtype == "float64"]
        return sum(float(np.sum(b.to_numpy(o.data) * c)) for o, c in zip(outs2, cots))

    k = 0
    for i, x in enumerate(host):
        if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
            continue
        analytic = b.to_numpy(grads[k].data)
        k += 1
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            orig = x[idx]
            x[idx] = orig + eps
            up = value(host)
            x[idx] = orig - eps
            down = value(host)
            x[idx] = orig
            numeric[idx] = (up - down) / (2 * eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            err = np.abs(analytic - numeric)
            worst = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
            raise AssertionError(
                f"gradcheck failed for input {i} (shape {x.shape}): at index {worst} analytic "
                f"{analytic[worst]!r} vs numeric {numeric[worst]!r}; max abs error {err.max():.3g}")
    return True


def _host_input(x):
    """Float inputs become float64 copies (perturbed in place below); bool and integer inputs (masks,
    indices) keep their dtype and are held constant; Python numbers stay constants."""
    if isinstance(x, (bool, int, float)):
        return x
    x = np.array(x)
    if x.dtype.kind == "f":
        return x.astype("float64")
    return x


def numeric_gradient(f, variables, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to every element of each Variable in
    `variables` (each assigned in turn and restored), as NumPy arrays: the reference for checking a
    gradient that goes through a whole model, or a gradient of a gradient."""
    out = []
    for v in variables:
        base = v.numpy()
        num = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1.0, -1.0):
                bumped = base.copy()
                bumped[idx] += sign * eps
                v.assign(bumped)
                num[idx] += sign * float(np.asarray(f())) / (2 * eps)
        v.assign(base)
        out.append(num)
    return out
