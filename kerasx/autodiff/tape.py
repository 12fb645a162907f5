"""`GradientTape`: reverse-mode differentiation with tf.GradientTape's semantics.

Ops are recorded only while a tape is active and only when one of their inputs is watched (explicitly,
or a trainable `Variable` read inside the tape), so inference builds no graph. The backward walk runs
the recorded nodes in reverse, undoes broadcasting in one place (`sum_to_shape`) and frees each node's
residuals once its VJP has run.

VJPs run raw backend kernels, so a gradient is a fresh Tensor that no tape recorded. Higher-order
gradients are not supported yet; instead of letting an outer tape silently return None for a gradient
of a gradient, each `gradient()` call leaves a marker node on the other recording tapes
(`_InnerGradient`), and an outer walk that would have to differentiate through it raises, naming the
ops whose VJPs it would have to differentiate.
"""
import backends
from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, Variable

# Tapes currently inside their `with` block, innermost last.
_active = []


def active_tapes():
    return _active


class _Node:
    __slots__ = ("prim", "in_uids", "in_shapes", "out_uids", "out_meta", "residuals", "params")

    def __init__(self, prim, in_uids, in_shapes, out_uids, out_meta, residuals, params):
        self.prim = prim
        self.in_uids = in_uids
        self.in_shapes = in_shapes
        self.out_uids = out_uids
        self.out_meta = out_meta  # (shape, dtype) per output, to build zero cotangents
        self.residuals = residuals
        self.params = params


class _InnerGradient:
    """Stands, on an outer recording tape, for one `gradient()` call made while it recorded: its inputs
    are the values the gradient was computed from, its outputs the gradients. Being a node, it makes the
    outer tape record what is computed from the gradients, so the outer walk can tell whether its target
    depends on them; it has no VJP, and the walk raises when it would need one."""
    __slots__ = ("op_names",)
    name = "gradient"

    def __init__(self, op_names):
        self.op_names = op_names

    def error(self):
        if self.op_names:
            plural = len(self.op_names) > 1
            what = ("the VJPs of " if plural else "the VJP of ") + ", ".join(
                f'"{n}"' for n in self.op_names) + (" run" if plural else " runs")
        else:  # no VJP ran: the gradient is a copy of the output_gradients it was given
            what = "the gradient is a copy of its output_gradients, made"
        return RuntimeError(
            "GradientTape.gradient: the target depends on a gradient computed by a gradient() call "
            "while this tape was recording (a gradient of a gradient, as in a gradient penalty or a "
            f"Hessian-vector product). Higher-order gradients are not supported yet: {what} as backend "
            "kernels that no tape records, so this gradient would silently be None. Compute the inner "
            "gradient outside this tape's block, or leave it out of the target.")


def _holds_array(b, residuals):
    """Whether a node's residuals (arrays, shapes, dtypes, axes, possibly nested) hold a backend array."""
    if isinstance(residuals, (tuple, list)):
        return any(_holds_array(b, r) for r in residuals)
    if isinstance(residuals, dict):
        return any(_holds_array(b, r) for r in residuals.values())
    return b.is_array(residuals)


class GradientTape:
    """Records operations for automatic differentiation, as ``tf.GradientTape``.

    >>> with GradientTape() as tape:
    ...     y = x * x
    >>> tape.gradient(y, x)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_variables = watch_accessed_variables
        self._nodes = []
        self._tracked = set()
        self._watched_vars = {}
        self._recording = False
        self._used = False
        self._holds_inner_gradients = False  # an _InnerGradient node is among self._nodes

    def __enter__(self):
        self._recording = True
        _active.append(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        _active.remove(self)
        return False

    # ------------------------------------------------------------ watching
    def watch(self, tensor):
        """Ensures `tensor` (or a nested structure of them) is traced."""
        for t in flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(
                    f"GradientTape.watch expects Tensors or Variables, received {type(t).__name__}.")
            self._tracked.add(t._uid)
            if isinstance(t, Variable):
                self._watched_vars[t._uid] = t

    def watched_variables(self):
        return tuple(self._watched_vars.values())

    def reset(self):
        """Clears everything recorded so far."""
        self._nodes = []
        self._tracked = set()
        self._watched_vars = {}
        self._used = False
        self._holds_inner_gradients = False

    def stop_recording(self):
        """Context manager that pauses recording on this tape (tf raises outside the tape's block)."""
        if self not in _active:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        tape = self

        class _Pause:
            def __enter__(self):
                # Remember the slot so that nested tapes keep their order when recording resumes.
                self.index = _active.index(tape)
                _active.pop(self.index)

            def __exit__(self, *exc):
                _active.insert(self.index, tape)
                return False

        return _Pause()

    # ------------------------------------------------------------ recording (called by primitives)
    def _is_tracked(self, t):
        if t._uid in self._tracked:
            return True
        if self._watch_variables and isinstance(t, Variable) and t.trainable:
            self._tracked.add(t._uid)
            self._watched_vars[t._uid] = t
            return True
        return False

    def record(self, prim, inputs, outputs, residuals, params):
        """Adds a node if any Tensor in `inputs` is tracked; `inputs` holds None for constants."""
        # A list, not a short-circuiting `any`: every trainable Variable read here must be watched, even
        # when an earlier input already made the op recordable.
        if not any([t is not None and self._is_tracked(t) for t in inputs]):
            return
        in_uids = tuple(-1 if t is None else t._uid for t in inputs)
        in_shapes = tuple(None if t is None else t.data.shape for t in inputs)
        out_uids = tuple(o._uid for o in outputs)
        self._tracked.update(out_uids)
        meta = tuple((o.data.shape, o.data.dtype) for o in outputs)
        self._nodes.append(_Node(prim, in_uids, in_shapes, out_uids, meta, residuals, params))

    # ------------------------------------------------------------ differentiation
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of `target` (a tensor or a list, summed) with respect to `sources` (a tensor,
        variable, or nested list/tuple/dict of them), returned in the structure of `sources`."""
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients (or "
                "jacobians). Create the tape with GradientTape(persistent=True) to call gradient() "
                "more than once.")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                f"unconnected_gradients must be 'none' or 'zero', received {unconnected_gradients!r}.")
        b = backends.get()
        targets = flatten(target)
        flat_sources = flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise ValueError(
                    f"GradientTape.gradient sources must be Tensors or Variables, received {type(s).__name__}.")
        seeds = flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        if len(seeds) != len(targets):
            raise ValueError(
                f"output_gradients has {len(seeds)} entries but target has {len(targets)}.")

        # As tf: a source the tape never watched gets no gradient, even when a recorded op read it.
        source_uids = {s._uid for s in flat_sources if s._uid in self._tracked}
        needed = self._reachable_from(source_uids)
        grads = {}
        for t, seed in zip(targets, seeds):
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.gradient target must be a Tensor, received {type(t).__name__}.")
            g = b.ones(t.data.shape, t.data.dtype) if seed is None else b.asarray(
                seed.data if isinstance(seed, Tensor) else seed, dtype=t.data.dtype)
            self._accumulate(grads, t._uid, g)

        # The walk frees residuals as it goes; where it may still meet an inner gradient and raise, it
        # frees them only once it has finished, so that the error leaves the tape as it was.
        free_now = not self._persistent and not self._holds_inner_gradients
        ran = []  # (op name, input serials, whether it kept residuals) of each VJP that ran, in order
        # Only another recording tape (or this one, persistent and still in its block) can later
        # differentiate this gradient: without one, skip the bookkeeping (it is per node, every step).
        marking = any(t is not self or self._persistent for t in _active)
        for node in reversed(self._nodes):
            gouts = [grads.get(u) if u in source_uids else grads.pop(u, None) for u in node.out_uids]
            if all(g is None for g in gouts):
                continue
            needs = tuple(u in needed for u in node.in_uids)
            if not any(needs):
                continue
            if isinstance(node.prim, _InnerGradient):
                raise node.prim.error()
            if node.residuals is None:
                raise RuntimeError(
                    "This tape's intermediate values were freed by an earlier gradient() call; use "
                    "GradientTape(persistent=True) to differentiate the same tape twice.")
            if len(gouts) == 1:
                cot = gouts[0]
            else:
                cot = tuple(b.zeros(shape, dtype) if g is None else g
                            for g, (shape, dtype) in zip(gouts, node.out_meta))
            in_grads = node.prim.vjp(b, cot, node.residuals, needs, **node.params)
            for uid, shape, need, gi in zip(node.in_uids, node.in_shapes, needs, in_grads):
                if need and gi is not None:
                    self._accumulate(grads, uid, b.sum_to_shape(gi, shape))
            if marking:
                ran.append((node.prim.name, node.in_uids, _holds_array(b, node.residuals)))
            if free_now:
                node.residuals = None
        self._used = True

        result = []
        for s in flat_sources:
            g = grads.get(s._uid) if s._uid in source_uids else None
            if g is None and unconnected_gradients == "zero":
                g = b.zeros(s.data.shape, s.data.dtype)
            result.append(None if g is None else Tensor(g))
        self._mark_on_recording_tapes(ran, seeds, result)
        if not self._persistent:
            self._nodes = []
            self._holds_inner_gradients = False
        if isinstance(sources, Tensor):
            return result[0]
        return pack_sequence_as(sources, result)

    def _mark_on_recording_tapes(self, ran, seeds, result):
        """Leaves an `_InnerGradient` node on every other tape recording now (and on this one, where
        persistent and still in its block) whose tracked values this gradient was computed from.

        A gradient depends on the seeds and, through each VJP that ran, on that node's residual arrays,
        which are functions of its inputs; a VJP that kept no arrays (add, sum, reshape keep at most
        shapes) is linear in its cotangent alone, so its inputs are no dependency: the gradient of
        sum(x) does not depend on x. The dependency is by data, not by derivative: multiply keeps both
        inputs, so d(x * w)/dx = w counts as depending on x too, and differentiating it raises."""
        outputs = [g for g in result if g is not None]
        tapes = [t for t in _active if t is not self or self._persistent]
        if not outputs or not tapes:
            return
        seed_uids = {s._uid for s in seeds if isinstance(s, Tensor)}
        nonlinear_uids = {u for _, in_uids, kept in ran if kept for u in in_uids if u != -1}
        for tape in tapes:
            from_seeds = [u for u in seed_uids if u in tape._tracked]
            from_residuals = [u for u in nonlinear_uids if u in tape._tracked]
            if not from_seeds and not from_residuals:
                continue
            # A tracked seed flows through every VJP that ran; tracked residuals only through their own.
            names = []
            for name, in_uids, kept in ran:
                if (from_seeds or kept and any(u in tape._tracked for u in in_uids)) and name not in names:
                    names.append(name)
            tape._record_inner_gradient(tuple(from_seeds + from_residuals), outputs, names)

    def _record_inner_gradient(self, in_uids, outputs, op_names):
        out_uids = tuple(o._uid for o in outputs)
        self._tracked.update(out_uids)
        meta = tuple((o.data.shape, o.data.dtype) for o in outputs)
        self._nodes.append(_Node(_InnerGradient(op_names), in_uids, (None,) * len(in_uids), out_uids,
                                 meta, (), {}))
        self._holds_inner_gradients = True

    def _reachable_from(self, source_uids):
        """Serials of every recorded value that depends on a source: only these need gradients."""
        needed = set(source_uids)
        for node in self._nodes:
            if any(u in needed for u in node.in_uids):
                needed.update(node.out_uids)
        return needed

    @staticmethod
    def _accumulate(grads, uid, g):
        prev = grads.get(uid)
        grads[uid] = g if prev is None else prev + g
