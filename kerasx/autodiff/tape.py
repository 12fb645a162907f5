"""`GradientTape`: reverse-mode differentiation with tf.GradientTape's semantics.

Ops are recorded only while a tape is active and only when one of their inputs is watched (explicitly,
or a trainable `Variable` read inside the tape), so inference builds no graph. The backward walk runs
the recorded nodes in reverse, undoes broadcasting in one place (`sum_to_shape`) and frees each node's
residuals once its VJP has run.

VJPs run raw backend kernels, so a gradient is normally a fresh Tensor that no tape records. Where
another tape is recording when `gradient()` runs, the walk is the differentiable one of `higher_order`
(each VJP written with primitives, recorded on the outer tapes): gradients of gradients work. Nodes keep
their input and output Tensors for it only when a second tape could want them (two tapes recording, or
a persistent one), so first-order training pays nothing.
"""
import backends
from kerasx.autodiff import higher_order, jacobian
from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, Variable

# Tapes currently inside their `with` block, innermost last.
_active = []


def active_tapes():
    return _active


class _Node:
    __slots__ = ("prim", "in_uids", "in_shapes", "out_uids", "out_meta", "residuals", "params", "inputs",
                 "outputs")

    def __init__(self, prim, in_uids, in_shapes, out_uids, out_meta, residuals, params, inputs=None,
                 outputs=None):
        self.prim = prim
        self.in_uids = in_uids
        self.in_shapes = in_shapes
        self.out_uids = out_uids
        self.out_meta = out_meta  # (shape, dtype) per output, to build zero cotangents
        self.residuals = residuals
        self.params = params
        # The call's input and output Tensors, for the differentiable walk; None where no second tape
        # could differentiate this node's VJP (kept only then: they hold arrays alive).
        self.inputs = inputs
        self.outputs = outputs


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
        self._holds_markers = False  # a higher_order.NotDifferentiable node is among self._nodes

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
        self._holds_markers = False

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

    def record(self, prim, inputs, outputs, residuals, params, arrays=None):
        """Adds a node if any Tensor in `inputs` is tracked; `inputs` holds None for constants, whose
        values are in `arrays` (the kernels' arguments)."""
        # A list, not a short-circuiting `any`: every trainable Variable read here must be watched, even
        # when an earlier input already made the op recordable.
        if not any([t is not None and self._is_tracked(t) for t in inputs]):
            return
        in_uids = tuple(-1 if t is None else t._uid for t in inputs)
        in_shapes = tuple(None if t is None else t.data.shape for t in inputs)
        out_uids = tuple(o._uid for o in outputs)
        self._tracked.update(out_uids)
        meta = tuple((o.data.shape, o.data.dtype) for o in outputs)
        if (self._persistent or len(_active) > 1) and arrays is not None:
            node = _Node(prim, in_uids, in_shapes, out_uids, meta, residuals, params,
                         higher_order.node_inputs(inputs, arrays), outputs)
        else:
            node = _Node(prim, in_uids, in_shapes, out_uids, meta, residuals, params)
        self._nodes.append(node)

    # ------------------------------------------------------------ differentiation
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of `target` (a tensor or a list, summed) with respect to `sources` (a tensor,
        variable, or nested list/tuple/dict of them), returned in the structure of `sources`."""
        self._check_unused()
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

        for t in targets:
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.gradient target must be a Tensor, received {type(t).__name__}.")
        result = self._walk(b, targets, seeds, flat_sources, unconnected_gradients, free=True)
        self._finish()
        if isinstance(sources, Tensor):
            return result[0]
        return pack_sequence_as(sources, result)

    def jacobian(self, target, sources, unconnected_gradients="none", parallel_iterations=None,
                 experimental_use_pfor=True):
        """tf.GradientTape.jacobian: for each source, the Jacobian of `target` with respect to it, of
        shape ``target.shape + source.shape`` (module `jacobian`)."""
        self._check_unused()
        result = jacobian.jacobian(self, backends.get(), target, sources, unconnected_gradients)
        self._finish()
        return result

    def batch_jacobian(self, target, source, unconnected_gradients="none", parallel_iterations=None,
                       experimental_use_pfor=True):
        """tf.GradientTape.batch_jacobian: per example, the Jacobian of ``target[i]`` with respect to
        ``source[i]``: shape ``(batch,) + target.shape[1:] + source.shape[1:]``."""
        self._check_unused()
        result = jacobian.batch_jacobian(self, backends.get(), target, source, unconnected_gradients)
        self._finish()
        return result

    def _check_unused(self):
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients (or "
                "jacobians). Create the tape with GradientTape(persistent=True) to call gradient() "
                "more than once.")

    def _finish(self):
        """After a gradient or Jacobian: a non-persistent tape is used up and lets its graph go."""
        self._used = True
        if not self._persistent:
            self._nodes = []
            self._holds_markers = False

    def _observers(self):
        """The tapes that could differentiate a gradient computed now: every other one recording, and
        this one when persistent and still in its block."""
        return [t for t in _active if t is not self or self._persistent]

    def _walk(self, b, targets, seeds, flat_sources, unconnected_gradients, free):
        """One backward walk from `targets` (seeded by `seeds`, None for ones): the gradients of
        `flat_sources`, as a list. With observers the walk is the differentiable one, else the raw
        one, which frees residuals where `free` allows."""
        # As tf: a source the tape never watched gets no gradient, even when a recorded op read it.
        source_uids = {s._uid for s in flat_sources if s._uid in self._tracked}
        needed = self._reachable_from(source_uids)
        observers = self._observers()
        if observers:
            return self._differentiable_gradients(b, targets, seeds, flat_sources, source_uids, needed,
                                                  observers, unconnected_gradients)
        return self._gradients(b, targets, seeds, flat_sources, source_uids, needed, unconnected_gradients,
                               free)

    def _gradients(self, b, targets, seeds, flat_sources, source_uids, needed, unconnected_gradients, free):
        """The first-order walk: raw arrays and raw-kernel VJPs, residuals freed as it goes."""
        grads = {}
        for t, seed in zip(targets, seeds):
            g = b.ones(t.data.shape, t.data.dtype) if seed is None else b.asarray(
                seed.data if isinstance(seed, Tensor) else seed, dtype=t.data.dtype)
            self._accumulate(grads, t._uid, g)
        # Where the walk may still meet a marker and raise, it frees residuals only once it has
        # finished, so that the error leaves the tape as it was.
        free_now = free and not self._persistent and not self._holds_markers
        for node, gouts, needs in higher_order.pending_nodes(self._nodes, grads, source_uids, needed):
            if node.residuals is None:
                raise higher_order.freed_residuals_error()
            if len(gouts) == 1:
                cot = gouts[0]
            else:
                cot = tuple(b.zeros(shape, dtype) if g is None else g
                            for g, (shape, dtype) in zip(gouts, node.out_meta))
            in_grads = node.prim.vjp(b, cot, node.residuals, needs, **node.params)
            for uid, shape, need, gi in zip(node.in_uids, node.in_shapes, needs, in_grads):
                if need and gi is not None:
                    self._accumulate(grads, uid, b.sum_to_shape(gi, shape))
            if free_now:
                node.residuals = None
        result = []
        for s in flat_sources:
            g = grads.get(s._uid) if s._uid in source_uids else None
            if g is None and unconnected_gradients == "zero":
                g = b.zeros(s.data.shape, s.data.dtype)
            result.append(None if g is None else Tensor(g))
        return result

    def _differentiable_gradients(self, b, targets, seeds, flat_sources, source_uids, needed, observers,
                                  unconnected_gradients):
        """The walk that the `observers` record (`higher_order.walk`): Tensor cotangents, each node's
        VJP written in primitives. Seeds given as Tensors are used as they are, so a gradient computed
        with `output_gradients` from the outer tape stays connected to them."""
        grads = {}
        for t, seed in zip(targets, seeds):
            if isinstance(seed, Tensor) and seed.data.dtype == t.data.dtype:
                g = seed
            else:
                g = Tensor(b.ones(t.data.shape, t.data.dtype) if seed is None else b.asarray(
                    seed.data if isinstance(seed, Tensor) else seed, dtype=t.data.dtype))
            prev = grads.get(t._uid)
            grads[t._uid] = g if prev is None else prev + g
        # Snapshot: this tape itself may be among the observers and record the walk's ops as it goes.
        higher_order.walk(b, list(self._nodes), grads, source_uids, needed, observers)
        result = []
        for s in flat_sources:
            g = grads.get(s._uid) if s._uid in source_uids else None
            if g is None and unconnected_gradients == "zero":
                g = Tensor(b.zeros(s.data.shape, s.data.dtype))
            result.append(g)
        return result

    def _record_marker(self, marker, in_uids, outputs):
        """Adds a `higher_order.NotDifferentiable` node from `in_uids` to `outputs` (see that module)."""
        out_uids = tuple(o._uid for o in outputs)
        self._tracked.update(out_uids)
        meta = tuple((o.data.shape, o.data.dtype) for o in outputs)
        self._nodes.append(_Node(marker, in_uids, (None,) * len(in_uids), out_uids, meta, (), {}))
        self._holds_markers = True

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
