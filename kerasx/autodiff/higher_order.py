"""The backward walk that another tape can differentiate: higher-order gradients.

`GradientTape.gradient` walks its nodes with their raw-kernel VJPs, which no tape records. When another
tape is recording (or this one, persistent, inside its own block), the gradient may itself be
differentiated later (a WGAN-GP penalty, a Hessian-vector product), so the tape walks here instead:
cotangents are Tensors, and each node runs its primitive's ``diff_vjp``, the same VJP written with
primitives, so the recording tapes record the gradient computation like any other.

A node whose primitive has no ``diff_vjp`` (or that was recorded while no second tape could want it, so
it kept no Tensors) runs its raw VJP; where a recording tape tracks what that VJP's result depends on, a
marker node (`NotDifferentiable`) goes on that tape, and the tape raises, naming the op, if its own walk
ever has to differentiate through it. Nothing is silently None.
"""
from kerasx.autodiff.tensor import Tensor

# Installed by `kerasx.ops`, which defines them (autodiff is the floor below the ops and never imports
# them): the differentiable forms of the arithmetic the tape itself does on gradients.
ARITHMETIC = {}


def install_arithmetic(**ops):
    """`sum_to_shape(t, shape)`, which sums a broadcast gradient back to an input's shape, `add(a, b)`,
    and for the Jacobians `stack(ts, axis)`, `reshape(t, shape)`, `transpose(t, perm)`."""
    ARITHMETIC.update(ops)


class NotDifferentiable:
    """Stands, on a recording tape, for a VJP that ran as raw kernels inside a gradient() call: its node's
    inputs are the values that VJP's result depends on, its outputs that result. It has no VJP of its
    own, and the tape raises `error()` if its walk needs one."""
    __slots__ = ("op_name", "why")
    name = "gradient"

    def __init__(self, op_name, why):
        self.op_name = op_name
        self.why = why

    def error(self):
        return RuntimeError(
            "GradientTape.gradient: the target depends on a gradient computed by a gradient() call while "
            "this tape was recording (a gradient of a gradient, as in a gradient penalty or a Hessian-vector "
            f'product), and that gradient went through the VJP of "{self.op_name}", {self.why} Compute the '
            "inner gradient outside this tape's block, or leave it out of the target.")


NO_RULE = ("which has no differentiable form (no diff_vjp): every kerasx primitive has one, so this "
           "is an op registered without it; give it a diff_vjp (kerasx/autodiff/primitive.py says how).")
NOT_KEPT = ("which was recorded while only one tape, not persistent, was recording, so it kept no "
            "tensors to differentiate again: open the outer tape before the forward pass (or make the "
            "inner tape persistent).")


def node_inputs(inputs, arrays):
    """A primitive call's inputs as its `diff_vjp` takes them: the Tensors, Python numbers as they were,
    and other constants (host arrays converted on the way in) as fresh Tensors no tape tracks."""
    return tuple(t if t is not None else (a if isinstance(a, (bool, int, float)) else Tensor(a))
                 for t, a in zip(inputs, arrays))


def _accumulate(grads, uid, g):
    prev = grads.get(uid)
    grads[uid] = g if prev is None else ARITHMETIC["add"](prev, g)


def _tracked_by(tape, uids):
    return [u for u in uids if u != -1 and u in tape._tracked]


def pending_nodes(nodes, grads, source_uids, needed):
    """The nodes a backward walk runs, last first, each with its output cotangents (taken out of
    `grads`, but for the sources') and which of its inputs need a gradient; both walks share it. It
    raises at a `NotDifferentiable` marker the walk would have to go through."""
    for node in reversed(nodes):
        gouts = [grads.get(u) if u in source_uids else grads.pop(u, None) for u in node.out_uids]
        if all(g is None for g in gouts):
            continue
        needs = tuple(u in needed for u in node.in_uids)
        if not any(needs):
            continue
        if isinstance(node.prim, NotDifferentiable):
            raise node.prim.error()
        yield node, gouts, needs


def freed_residuals_error():
    return RuntimeError(
        "This tape's intermediate values were freed by an earlier gradient() call; use "
        "GradientTape(persistent=True) to differentiate the same tape twice.")


def walk(b, nodes, grads, source_uids, needed, observers):
    """Runs `nodes` backwards from the Tensor cotangents in `grads` (serial -> Tensor), leaving the
    gradients of `source_uids` there. `observers` are the tapes that may differentiate the result."""
    sum_to_shape = ARITHMETIC["sum_to_shape"]
    for node, gouts, needs in pending_nodes(nodes, grads, source_uids, needed):
        if len(gouts) == 1:
            cot = gouts[0]
        else:
            cot = tuple(Tensor(b.zeros(shape, dtype)) if g is None else g
                        for g, (shape, dtype) in zip(gouts, node.out_meta))
        if node.inputs is not None and node.prim.diff_vjp is not None:
            in_grads = node.prim.diff_vjp(cot, node.inputs, node.outputs, needs, **node.params)
        else:
            in_grads = _raw_vjp(b, node, gouts, cot, needs, observers)
        for uid, shape, need, gi in zip(node.in_uids, node.in_shapes, needs, in_grads):
            if need and gi is not None:
                _accumulate(grads, uid, gi if tuple(gi.shape) == tuple(shape) else sum_to_shape(gi, shape))


def _raw_vjp(b, node, gouts, cot, needs, observers):
    """The node's raw-kernel VJP on Tensor cotangents; marks its result on every observing tape that
    tracks what the result depends on (the cotangents, and the inputs where the node kept arrays)."""
    if node.residuals is None:
        raise freed_residuals_error()
    raw_cot = cot.data if isinstance(cot, Tensor) else tuple(c.data for c in cot)
    raw = node.prim.vjp(b, raw_cot, node.residuals, needs, **node.params)
    in_grads = tuple(None if g is None else Tensor(g) for g in raw)
    outputs = [g for g in in_grads if g is not None]
    cot_uids = [g._uid for g in gouts if g is not None]
    why = NOT_KEPT if node.inputs is None and node.prim.diff_vjp is not None else NO_RULE
    for tape in observers:
        depends = _tracked_by(tape, cot_uids)
        if _holds_array(b, node.residuals):
            depends += _tracked_by(tape, node.in_uids)
        if depends and outputs:
            tape._record_marker(NotDifferentiable(node.prim.name, why), tuple(depends), outputs)
    return in_grads


def _holds_array(b, residuals):
    """Whether a node's residuals (arrays, shapes, dtypes, axes, possibly nested) hold a backend array:
    a VJP that keeps none (add, sum, reshape) is linear in its cotangent alone."""
    if isinstance(residuals, (tuple, list)):
        return any(_holds_array(b, r) for r in residuals)
    if isinstance(residuals, dict):
        return any(_holds_array(b, r) for r in residuals.values())
    return b.is_array(residuals)
