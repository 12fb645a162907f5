"""The in-place optimizer updates written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy).

An update is a chain of a dozen elementwise passes over the variable and its slots. Run over a whole
large variable (the MNIST CNN's 9216 x 128 Dense kernel: 4.7 MB a buffer), every pass streams its
operands from memory; run block by block (`update_block_elements`), a block's operands and its one
temporary stay in the core's cache through the whole chain. On that kernel Adam took 1.9 ms in blocks of
65,536 elements against 3.3 ms whole (interleaved medians, numpy 2.4; 4,096-element blocks gave 3.0 ms,
262,144 gave 2.2 ms). A GPU has no such cache to fit and sets the block to everything at once.
"""


def _move_toward(xp, average, target, rate, t):
    """``average += rate * (target - average)`` through the scratch block `t` (`target` may be `t`): the
    same as ``(1 - rate) * average + rate * target`` with one pass fewer."""
    xp.subtract(target, average, out=t)
    t *= rate
    average += t


def _decay_weights(xp, w, decay, t):
    """tf.keras's ``var -= var * decay`` through the scratch block `t` (the same rounding as its
    formula, which ``var *= 1 - decay`` would not have)."""
    xp.multiply(w, decay, out=t)
    w -= t


class OptimizerUpdateKernels:
    """Mixed into `generic.XPBackend`; implements the in-place updates of `base.Backend`."""

    # Elements per block of an update's chain (see the module docstring).
    update_block_elements = 1 << 16

    def _update_blocks(self, updated, read, scratch=1):
        """Yields ``(blocks, tmp)``: the same block of each array, ``updated`` first, then ``read``
        (None stays None), and a scratch buffer of the block's size (with ``scratch=2``, a pair of them).

        The updated arrays are written through flat views, so they must be C-contiguous (variables and
        slots are); a non-contiguous one makes the whole array one block, updated in place as it is."""
        xp = self.xp
        arrays = [a for a in updated if a is not None]
        size = arrays[0].size
        step = self.update_block_elements
        whole = not all(a.flags.c_contiguous for a in arrays) or size <= step
        shape = arrays[0].shape if whole else (step,)
        tmps = [xp.empty(shape, dtype=arrays[0].dtype) for _ in range(scratch)]
        if whole:
            yield list(updated) + list(read), tmps[0] if scratch == 1 else tmps
            return
        flat = [None if a is None else a.reshape(-1) for a in list(updated) + list(read)]
        for lo in range(0, size, step):
            hi = min(size, lo + step)
            blocks = [t[:hi - lo] for t in tmps]
            yield [None if f is None else f[lo:hi] for f in flat], blocks[0] if scratch == 1 else blocks

    def sgd_update(self, var, grad, velocity, lr, momentum, nesterov):
        xp = self.xp
        for (w, vel, g), t in self._update_blocks((var, velocity), (grad,)):
            xp.multiply(g, lr, out=t)  # lr * grad
            if vel is None:
                w -= t
                continue
            vel *= momentum
            vel -= t
            if nesterov:
                w -= t
                w += momentum * vel  # a temporary of one block, not of the whole variable
            else:
                w += vel

    def adam_update(self, var, grad, m, v, lr_t, beta_1, beta_2, epsilon, vhat=None, decay=0.0):
        xp = self.xp
        for (w, m_, v_, vh, g), t in self._update_blocks((var, m, v, vhat), (grad,)):
            if decay:
                _decay_weights(xp, w, decay, t)
            _move_toward(xp, m_, g, 1.0 - beta_1, t)
            xp.multiply(g, g, out=t)
            _move_toward(xp, v_, t, 1.0 - beta_2, t)
            if vh is not None:
                xp.maximum(vh, v_, out=vh)
            xp.sqrt(v_ if vh is None else vh, out=t)
            t += epsilon
            xp.divide(m_, t, out=t)
            t *= lr_t
            w -= t

    def rmsprop_update(self, var, grad, ms, mom, mg, lr, rho, momentum, epsilon):
        xp = self.xp
        for (w, ms_, mom_, mg_, g), t in self._update_blocks((var, ms, mom, mg), (grad,)):
            xp.multiply(g, g, out=t)
            _move_toward(xp, ms_, t, 1.0 - rho, t)
            if mg_ is not None:
                _move_toward(xp, mg_, g, 1.0 - rho, t)
                xp.multiply(mg_, mg_, out=t)
                xp.subtract(ms_, t, out=t)  # the centered denominator ms - mg^2
            denom = ms_ if mg_ is None else t
            if mom_ is None:
                xp.sqrt(denom, out=t)
                t += epsilon
                xp.divide(g, t, out=t)
                t *= lr
                w -= t
            else:
                xp.add(denom, epsilon, out=t)
                xp.sqrt(t, out=t)
                xp.divide(g, t, out=t)
                t *= lr
                mom_ *= momentum
                mom_ += t
                w -= mom_

    def weight_decay_update(self, var, decay):
        for (w,), t in self._update_blocks((var,), ()):
            _decay_weights(self.xp, w, decay, t)

    def lion_update(self, var, grad, m, lr, beta_1, beta_2, decay=0.0):
        xp = self.xp
        for (w, m_, g), (t, s) in self._update_blocks((var, m), (grad,), scratch=2):
            if decay:
                _decay_weights(xp, w, decay, t)
            # The step's direction interpolates with beta_1, the kept momentum with beta_2.
            xp.multiply(m_, beta_1, out=t)
            xp.multiply(g, 1.0 - beta_1, out=s)
            t += s
            # Into the second buffer: NumPy's sign in place runs ten times slower (no SIMD loop).
            xp.sign(t, out=s)
            s *= lr
            w -= s
            _move_toward(xp, m_, g, 1.0 - beta_2, t)

    def ftrl_update(self, var, grad, accum, linear, lr, lr_power, l1, l2, l2_shrinkage):
        xp = self.xp

        def power(x, out):  # x^-lr_power; the default -0.5 as a square root, several times cheaper
            return xp.sqrt(x, out=out) if lr_power == -0.5 else xp.power(x, -lr_power, out=out)

        for (w, acc, lin, g), (t, s) in self._update_blocks((var, accum, linear), (grad,), scratch=2):
            # linear += g + 2 l2_shrinkage w - (n^-p - accum^-p) / lr * w, with n = accum + g^2
            lin += g
            if l2_shrinkage:
                xp.multiply(w, 2.0 * l2_shrinkage, out=s)
                lin += s
            power(acc, t)
            xp.multiply(g, g, out=s)
            acc += s  # accum becomes n
            power(acc, s)
            xp.subtract(s, t, out=t)
            t *= w
            t /= lr
            lin -= t
            # var = (clip(linear, -l1, l1) - linear) / (n^-p / lr + 2 l2)
            xp.clip(lin, -l1, l1, out=w)
            w -= lin
            s /= lr
            s += 2.0 * l2
            w /= s

    def adafactor_update(self, var, grad, r, c, v, rho_t, beta_2_t, epsilon_1, epsilon_2, clip_threshold):
        # Whole arrays, not blocks: the factored moments and both RMS values reduce over the variable.
        xp = self.xp
        t = xp.empty(var.shape, dtype=var.dtype)
        xp.multiply(var, var, out=t)
        alpha = xp.maximum(xp.sqrt(xp.mean(t)), epsilon_2) * rho_t  # 0-d, stays on the device
        xp.multiply(grad, grad, out=t)
        t += epsilon_1
        if var.ndim >= 2:
            row_mean, col_mean = xp.mean(t, axis=-1), xp.mean(t, axis=-2)
            _move_toward(xp, r, row_mean, 1.0 - beta_2_t, row_mean)
            _move_toward(xp, c, col_mean, 1.0 - beta_2_t, col_mean)
            row = r / xp.mean(r, axis=-1, keepdims=True)
            xp.multiply(row[..., :, None], c[..., None, :], out=v)
        else:
            _move_toward(xp, v, t, 1.0 - beta_2_t, t)
        xp.sqrt(v, out=t)
        xp.divide(grad, t, out=t)  # u
        scale = alpha / xp.maximum(xp.sqrt(xp.mean(t * t)) / clip_threshold, 1.0)
        t *= scale
        var -= t
