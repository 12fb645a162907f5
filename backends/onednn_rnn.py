"""The whole-sequence LSTM (``vanilla_lstm``) and GRU (``vanilla_gru``, and ``lbr_gru`` for Keras's
``reset_after=True``) through oneDNN, forward (training) and backward, float32.

Keras's weights are oneDNN's without a copy of their meaning: ``kernel (F, G * units)`` is ``ldigo`` with
one layer and one direction, gates in the same order in both (LSTM: i, f, c~, o; GRU: oneDNN's u, r, o are
Keras's z, r, h); the LSTM's bias ``(4 * units,)`` and the GRU's ``(3 * units,)`` are ``ldgo``. The
linear-before-reset GRU is Keras's ``reset_after=True`` cell, ``h~ = tanh(x W_h + b_h + r * (h U_h +
b'_h))``; its four bias rows are Keras's two bias vectors folded: ``[b_z + b'_z, b_r + b'_r, b_h, b'_h]``
(z and r see only the sum), and the bias gradient is unfolded back into Keras's ``(2, 3 * units)``.
The batch-major ``x (N, T, F)`` and outputs ``(N, T, units)`` are oneDNN's ``ntc`` layout, described by
strides. The weights go to the layouts the primitive chooses through reorders (`onednn_runtime.Plan`);
the backward overwrites its weight gradients (``rnn_flags_diff_weights_overwrite``) rather than adding
to them. Each forward call gets its own workspace array, kept in the cache the backward receives, so two
calls of one layer before a backward do not share it. ``go_backwards`` runs on a reversed copy of ``x``
(outputs stay in processing order, as Keras's). A mask or a recurrent-dropout mask, and other dtypes,
run the generic kernels. oneDNN names its f32 RNN implementation ``ref``: its cell loop around GEMMs.
Off by default (`OneDNNNumpyBackend.onednn_off`: slower than the NumPy kernels on the 2-core VMs).
"""
import numpy

from backends import onednn_capi as capi

# cell: (oneDNN primitive, gates, bias rows, has a cell state)
_CELLS = {"lstm": ("lstm", 4, 4, True), "gru": ("gru", 3, 3, False), "lbr_gru": ("lbr_gru", 3, 4, False)}


class _Cache(tuple):
    """What a backward needs from a oneDNN forward (told apart from the generic kernel's cache)."""


def _ok(*arrays):
    return all(type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.size for a in arrays)


def _c(array):
    return numpy.ascontiguousarray(array)


class OneDNNRecurrentKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    def _rnn_plan(self, cell, kind, n, t, f, u):
        prim, g, bias_rows, with_c = _CELLS[cell]

        def build(plan):
            layer = lambda c: plan.md((t, n, c), (c, t * c, 1))  # noqa: E731  (ntc)
            state = lambda: plan.md((1, 1, n, u), (n * u, n * u, u, 1))  # noqa: E731
            w_md = lambda i: plan.md((1, 1, i, g, u), (i * g * u, i * g * u, g * u, u, 1))  # noqa: E731
            b_md = lambda: plan.md((1, 1, bias_rows, u), (bias_rows * u, bias_rows * u, u, 1))  # noqa: E731
            any_w = lambda: (plan.md((1, 1, f, g, u)), plan.md((1, 1, u, g, u)))  # noqa: E731
            x_md, y_md, h0, h, bias = layer(f), layer(u), state(), state(), b_md()
            c0, c = (state(), state()) if with_c else (None, None)
            wl, wi = w_md(f), w_md(u)

            def descs(src_iter, src_iter_c, weights, bias_md, dst_layer, dst_iter, dst_iter_c):
                # LSTM: peephole and projection weights absent (None); GRU: no cell state at all.
                if with_c:
                    return (src_iter, src_iter_c, *weights, None, None, bias_md, dst_layer, dst_iter, dst_iter_c)
                return (src_iter, *weights, bias_md, dst_layer, dst_iter)

            fwd = plan.pd(f"{prim}_forward", capi.FORWARD_TRAINING, capi.RNN_LEFT2RIGHT, x_md,
                          *descs(h0, c0, any_w(), bias, y_md, h, c), 0, None)
            ws_md = plan.query_md(fwd, capi.QUERY_WORKSPACE_MD)
            plan.workspace_bytes = plan.md_bytes(ws_md)
            common = {capi.ARG_SRC_LAYER: plan.user("x", x_md), capi.ARG_SRC_ITER: plan.user("h0", h0),
                      capi.ARG_BIAS: plan.user("b", bias), capi.ARG_DST_LAYER: plan.user("y", y_md),
                      capi.ARG_DST_ITER: plan.user("h", h), capi.ARG_WORKSPACE: plan.user("ws", ws_md)}
            if with_c:
                common.update({capi.ARG_SRC_ITER_C: plan.user("c0", c0), capi.ARG_DST_ITER_C: plan.user("c", c)})
            if kind == "fwd":
                plan.add(fwd, {**common, **{
                    capi.ARG_WEIGHTS_LAYER: plan.input("wl", wl, plan.query_md(fwd, capi.QUERY_WEIGHTS_MD)),
                    capi.ARG_WEIGHTS_ITER: plan.input("wi", wi, plan.query_md(fwd, capi.QUERY_WEIGHTS_MD, 1))}})
                return
            dx_md, dy_md, dh0, dh, db = layer(f), layer(u), state(), state(), b_md()
            dc0, dc = (state(), state()) if with_c else (None, None)
            dwl, dwi = w_md(f), w_md(u)
            bwd = plan.pd(f"{prim}_backward", capi.BACKWARD, capi.RNN_LEFT2RIGHT, x_md,
                          *descs(h0, c0, any_w(), bias, y_md, h, c), dx_md,
                          *descs(dh0, dc0, (dwl, dwi), db, dy_md, dh, dc),
                          capi.RNN_DIFF_WEIGHTS_OVERWRITE, fwd, None)
            diff_w = capi.QUERY_DIFF_WEIGHTS_MD
            args = {**common, **{
                capi.ARG_WEIGHTS_LAYER: plan.input("wl", wl, plan.query_md(bwd, capi.QUERY_WEIGHTS_MD)),
                capi.ARG_WEIGHTS_ITER: plan.input("wi", wi, plan.query_md(bwd, capi.QUERY_WEIGHTS_MD, 1)),
                capi.ARG_DIFF_SRC_LAYER: plan.user("dx", dx_md), capi.ARG_DIFF_SRC_ITER: plan.user("dh0", dh0),
                capi.ARG_DIFF_WEIGHTS_LAYER: plan.output("dwl", dwl, plan.query_md(bwd, diff_w, 0)),
                capi.ARG_DIFF_WEIGHTS_ITER: plan.output("dwi", dwi, plan.query_md(bwd, diff_w, 1)),
                capi.ARG_DIFF_BIAS: plan.user("db", db), capi.ARG_DIFF_DST_LAYER: plan.user("g", dy_md),
                capi.ARG_DIFF_DST_ITER: plan.user("gh", dh)}}
            if with_c:
                args.update({capi.ARG_DIFF_SRC_ITER_C: plan.user("dc0", dc0),
                             capi.ARG_DIFF_DST_ITER_C: plan.user("gc", dc)})
            plan.add(bwd, args)

        return self._onednn_plan((f"{cell}_{kind}", n, t, f, u), build)

    def _rnn_run_forward(self, cell, x, kernel, recurrent_kernel, bias, states, go_backwards):
        """Runs the forward plan; returns its arrays (outputs in ``y``, ``h``, ``c``), or None: fall back."""
        n, t, f = x.shape
        u = recurrent_kernel.shape[0]
        plan = self._rnn_plan(cell, "fwd", n, t, f, u)
        if plan is None:
            return None
        arrays = {"x": _c(x[:, ::-1] if go_backwards else x), "wl": _c(kernel), "wi": _c(recurrent_kernel),
                  "b": _c(bias), "y": numpy.empty((n, t, u), numpy.float32),
                  "ws": numpy.empty(plan.workspace_bytes, numpy.uint8)}
        for name, value in states.items():
            arrays[name] = _c(value)
            arrays[name[0]] = numpy.empty((n, u), numpy.float32)  # "h0" -> "h", "c0" -> "c"
        plan.run(**arrays)
        return arrays

    def _rnn_run_backward(self, cell, fwd, grads, n_bias):
        n, t, f = fwd["x"].shape
        u = fwd["h"].shape[1]
        out = {"dx": numpy.empty((n, t, f), numpy.float32), "dh0": numpy.empty((n, u), numpy.float32),
               "dwl": numpy.empty(fwd["wl"].shape, numpy.float32),
               "dwi": numpy.empty(fwd["wi"].shape, numpy.float32), "db": numpy.empty(n_bias, numpy.float32)}
        if "c" in fwd:
            out["dc0"] = numpy.empty((n, u), numpy.float32)
        self._rnn_plan(cell, "bwd", n, t, f, u).run(
            **fwd, **out, **{k: numpy.ascontiguousarray(v, numpy.float32) for k, v in grads.items()})
        return out

    # ---------------------------------------------------------------- LSTM
    def lstm_forward(self, x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None,
                     go_backwards=False, zero_output_for_mask=False):
        if (self._onednn_on("lstm") and mask is None and recurrent_mask is None
                and _ok(x, kernel, recurrent_kernel, bias, h0, c0)):
            arrays = self._rnn_run_forward("lstm", x, kernel, recurrent_kernel, bias, {"h0": h0, "c0": c0},
                                           go_backwards)
            if arrays is not None:
                return arrays["y"], arrays["h"], arrays["c"], _Cache(("lstm", arrays, go_backwards))
        return super().lstm_forward(x, kernel, recurrent_kernel, bias, h0, c0, mask, recurrent_mask,
                                    go_backwards, zero_output_for_mask)

    def lstm_backward(self, g_outputs, g_h, g_c, cache):
        if not isinstance(cache, _Cache):
            return super().lstm_backward(g_outputs, g_h, g_c, cache)
        _, fwd, go_backwards = cache
        out = self._rnn_run_backward("lstm", fwd, {"g": g_outputs, "gh": g_h, "gc": g_c}, fwd["b"].size)
        dx = out["dx"][:, ::-1] if go_backwards else out["dx"]
        return dx, out["dwl"], out["dwi"], out["db"], out["dh0"], out["dc0"], None

    # ---------------------------------------------------------------- GRU
    def gru_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                    go_backwards=False, zero_output_for_mask=False, reset_after=True):
        if (self._onednn_on("gru") and mask is None and recurrent_mask is None
                and _ok(x, kernel, recurrent_kernel, bias, h0)):
            cell = "lbr_gru" if reset_after else "gru"
            if reset_after:
                u = recurrent_kernel.shape[0]
                folded = numpy.concatenate([bias[0, :2 * u] + bias[1, :2 * u], bias[0, 2 * u:], bias[1, 2 * u:]])
            else:
                folded = bias
            arrays = self._rnn_run_forward(cell, x, kernel, recurrent_kernel, folded, {"h0": h0}, go_backwards)
            if arrays is not None:
                return arrays["y"], arrays["h"], _Cache((cell, arrays, go_backwards))
        return super().gru_forward(x, kernel, recurrent_kernel, bias, h0, mask, recurrent_mask, go_backwards,
                                   zero_output_for_mask, reset_after)

    def gru_backward(self, g_outputs, g_h, cache):
        if not isinstance(cache, _Cache):
            return super().gru_backward(g_outputs, g_h, cache)
        cell, fwd, go_backwards = cache
        out = self._rnn_run_backward(cell, fwd, {"g": g_outputs, "gh": g_h}, fwd["b"].size)
        dx = out["dx"][:, ::-1] if go_backwards else out["dx"]
        db = out["db"]
        if cell == "lbr_gru":
            u = fwd["h"].shape[1]
            db = numpy.stack([db[:3 * u], numpy.concatenate([db[:2 * u], db[3 * u:]])])
        return dx, out["dwl"], out["dwi"], db, out["dh0"], None
