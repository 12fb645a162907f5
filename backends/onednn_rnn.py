"""The whole-sequence LSTM through oneDNN (``vanilla_lstm``), forward (training) and backward, float32.

Keras's weights are oneDNN's without a copy of their meaning: ``kernel (F, 4 * units)`` is ``ldigo`` with
one layer and one direction, gates in the order i, f, c~, o in both; the bias ``(4 * units,)`` is ``ldgo``.
The batch-major ``x (N, T, F)`` and outputs ``(N, T, units)`` are oneDNN's ``ntc`` layout, described by
strides. The weights go to the layouts the primitive chooses through reorders (`onednn_runtime.Plan`);
the backward overwrites its weight gradients (``rnn_flags_diff_weights_overwrite``) rather than adding
to them. Each forward call gets its own workspace array, kept in the cache the backward receives, so two
calls of one layer before a backward do not share it. ``go_backwards`` runs on a reversed copy of ``x``
(outputs stay in processing order, as Keras's). A mask or a recurrent-dropout mask, and other dtypes,
run the generic kernels; so does the GRU (not bound yet). oneDNN names its f32 LSTM implementation
``ref``: its cell loop around GEMMs. Off by default (`OneDNNNumpyBackend.onednn_off`: slower than the
NumPy kernel on the 2-core VMs).
"""
import numpy

from backends import onednn_capi as capi


class _Cache(tuple):
    """What `lstm_backward` needs from a oneDNN forward (told apart from the generic kernel's cache)."""


def _ok(*arrays):
    return all(type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.size for a in arrays)


class OneDNNRecurrentKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    def _lstm_plan(self, kind, n, t, f, u):
        def build(plan):
            g = 4
            layer = lambda c: plan.md((t, n, c), (c, t * c, 1))  # noqa: E731  (ntc)
            state = lambda: plan.md((1, 1, n, u), (n * u, n * u, u, 1))  # noqa: E731
            w_md = lambda i: plan.md((1, 1, i, g, u), (i * g * u, i * g * u, g * u, u, 1))  # noqa: E731
            x_md, y_md = layer(f), layer(u)
            h0, c0, h, c = state(), state(), state(), state()
            wl, wi, bias = w_md(f), w_md(u), plan.md((1, 1, g, u), (g * u, g * u, u, 1))
            wl_any, wi_any = plan.md((1, 1, f, g, u)), plan.md((1, 1, u, g, u))
            fwd = plan.pd("lstm_forward", capi.FORWARD_TRAINING, capi.RNN_LEFT2RIGHT, x_md, h0, c0, wl_any,
                          wi_any, None, None, bias, y_md, h, c, 0, None)
            ws_md = plan.query_md(fwd, capi.QUERY_WORKSPACE_MD)
            plan.workspace_bytes = plan.md_bytes(ws_md)
            common = {capi.ARG_SRC_LAYER: plan.user("x", x_md), capi.ARG_SRC_ITER: plan.user("h0", h0),
                      capi.ARG_SRC_ITER_C: plan.user("c0", c0), capi.ARG_BIAS: plan.user("b", bias),
                      capi.ARG_DST_LAYER: plan.user("y", y_md), capi.ARG_DST_ITER: plan.user("h", h),
                      capi.ARG_DST_ITER_C: plan.user("c", c), capi.ARG_WORKSPACE: plan.user("ws", ws_md)}
            if kind == "fwd":
                plan.add(fwd, {**common, **{
                    capi.ARG_WEIGHTS_LAYER: plan.input("wl", wl, plan.query_md(fwd, capi.QUERY_WEIGHTS_MD)),
                    capi.ARG_WEIGHTS_ITER: plan.input("wi", wi, plan.query_md(fwd, capi.QUERY_WEIGHTS_MD, 1))}})
                return
            dx_md, dy_md = layer(f), layer(u)
            dh0, dc0, dh, dc = state(), state(), state(), state()
            dwl, dwi, db = w_md(f), w_md(u), plan.md((1, 1, g, u), (g * u, g * u, u, 1))
            bwd = plan.pd("lstm_backward", capi.BACKWARD, capi.RNN_LEFT2RIGHT, x_md, h0, c0,
                          plan.md((1, 1, f, g, u)), plan.md((1, 1, u, g, u)), None, None, bias, y_md, h, c,
                          dx_md, dh0, dc0, dwl, dwi, None, None, db, dy_md, dh, dc,
                          capi.RNN_DIFF_WEIGHTS_OVERWRITE, fwd, None)
            diff_w = capi.QUERY_DIFF_WEIGHTS_MD
            plan.add(bwd, {**common, **{
                capi.ARG_WEIGHTS_LAYER: plan.input("wl", wl, plan.query_md(bwd, capi.QUERY_WEIGHTS_MD)),
                capi.ARG_WEIGHTS_ITER: plan.input("wi", wi, plan.query_md(bwd, capi.QUERY_WEIGHTS_MD, 1)),
                capi.ARG_DIFF_SRC_LAYER: plan.user("dx", dx_md), capi.ARG_DIFF_SRC_ITER: plan.user("dh0", dh0),
                capi.ARG_DIFF_SRC_ITER_C: plan.user("dc0", dc0),
                capi.ARG_DIFF_WEIGHTS_LAYER: plan.output("dwl", dwl, plan.query_md(bwd, diff_w, 0)),
                capi.ARG_DIFF_WEIGHTS_ITER: plan.output("dwi", dwi, plan.query_md(bwd, diff_w, 1)),
                capi.ARG_DIFF_BIAS: plan.user("db", db), capi.ARG_DIFF_DST_LAYER: plan.user("g", dy_md),
                capi.ARG_DIFF_DST_ITER: plan.user("gh", dh), capi.ARG_DIFF_DST_ITER_C: plan.user("gc", dc)}})

        return self._onednn_plan(("lstm_" + kind, n, t, f, u), build)

    def lstm_forward(self, x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None,
                     go_backwards=False, zero_output_for_mask=False):
        if (self._onednn_on("lstm") and mask is None and recurrent_mask is None
                and _ok(x, kernel, recurrent_kernel, bias, h0, c0)):
            n, t, f = x.shape
            u = recurrent_kernel.shape[0]
            plan = self._lstm_plan("fwd", n, t, f, u)
            if plan is not None:
                xs = numpy.ascontiguousarray(x[:, ::-1] if go_backwards else x)
                arrays = {"x": xs, "wl": numpy.ascontiguousarray(kernel),
                          "wi": numpy.ascontiguousarray(recurrent_kernel),
                          "b": numpy.ascontiguousarray(bias), "h0": numpy.ascontiguousarray(h0),
                          "c0": numpy.ascontiguousarray(c0), "y": numpy.empty((n, t, u), numpy.float32),
                          "h": numpy.empty((n, u), numpy.float32), "c": numpy.empty((n, u), numpy.float32),
                          "ws": numpy.empty(plan.workspace_bytes, numpy.uint8)}
                plan.run(**arrays)
                return arrays["y"], arrays["h"], arrays["c"], _Cache((arrays, go_backwards))
        return super().lstm_forward(x, kernel, recurrent_kernel, bias, h0, c0, mask, recurrent_mask,
                                    go_backwards, zero_output_for_mask)

    def lstm_backward(self, g_outputs, g_h, g_c, cache):
        if not isinstance(cache, _Cache):
            return super().lstm_backward(g_outputs, g_h, g_c, cache)
        fwd, go_backwards = cache
        n, t, f = fwd["x"].shape
        u = fwd["h"].shape[1]
        plan = self._lstm_plan("bwd", n, t, f, u)
        out = {"dx": numpy.empty((n, t, f), numpy.float32), "dh0": numpy.empty((n, u), numpy.float32),
               "dc0": numpy.empty((n, u), numpy.float32), "dwl": numpy.empty(fwd["wl"].shape, numpy.float32),
               "dwi": numpy.empty(fwd["wi"].shape, numpy.float32), "db": numpy.empty(4 * u, numpy.float32)}
        plan.run(**fwd, **out, g=numpy.ascontiguousarray(g_outputs, numpy.float32),
                 gh=numpy.ascontiguousarray(g_h, numpy.float32), gc=numpy.ascontiguousarray(g_c, numpy.float32))
        dx = out["dx"][:, ::-1] if go_backwards else out["dx"]
        return dx, out["dwl"], out["dwi"], out["db"], out["dh0"], out["dc0"], None

