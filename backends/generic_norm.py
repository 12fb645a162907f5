"""The normalization kernels written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy)."""


def _broadcast_shape(shape, axes):
    return tuple(n if i in axes else 1 for i, n in enumerate(shape))


def _view(p, shape):
    return None if p is None else p.reshape(shape)


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class NormalizationKernels:
    """Mixed into `generic.XPBackend`; implements `base_norm.NormalizationInterface`."""

    def _scale_shift_(self, centered, inv_std, gamma, beta):
        # `centered` is a fresh temporary: scaling it in place saves one array the size of x.
        scale = inv_std if gamma is None else inv_std * gamma
        centered *= scale
        if beta is not None:
            centered += beta
        return centered

    # ---------------------------------------------------------------- batch normalization
    def batch_norm_train(self, x, gamma, beta, axes, epsilon):
        xp = self.xp
        kept = _broadcast_shape(x.shape, axes)
        reduce = tuple(i for i in range(x.ndim) if i not in axes)
        mean = xp.mean(x, axis=reduce, keepdims=True)
        centered = x - mean
        # Two passes (mean, then mean of squares about it) rather than E[x^2] - E[x]^2, which loses
        # every digit in float32 when |mean| >> std.
        var = xp.mean(xp.square(centered), axis=reduce, keepdims=True)
        inv_std = 1.0 / xp.sqrt(var + epsilon)
        y = self._scale_shift_(centered, inv_std, _view(gamma, kept), _view(beta, kept))
        return y, mean, var, inv_std

    def batch_norm_grad(self, g, x, mean, inv_std, gamma, axes, g_mean=None, g_var=None):
        xp = self.xp
        kept = _broadcast_shape(x.shape, axes)
        reduce = tuple(i for i in range(x.ndim) if i not in axes)
        n = float(_count(x.shape, reduce))
        x_hat = (x - mean) * inv_std
        dbeta = xp.sum(g, axis=reduce, keepdims=True)
        dgamma = xp.sum(g * x_hat, axis=reduce, keepdims=True)
        scale = inv_std if gamma is None else inv_std * _view(gamma, kept)
        # dx = scale * (g - dbeta / n - x_hat * dgamma / n), plus the mean's and variance's own
        # cotangents; everything but `scale * g` folds into two per-channel coefficients.
        coef_hat = -scale * dgamma / n
        coef_const = -scale * dbeta / n
        if g_mean is not None:
            coef_const = coef_const + _view(g_mean, kept) / n
        if g_var is not None:
            coef_hat = coef_hat + 2.0 * _view(g_var, kept) / (n * inv_std)
        dx = g * scale
        x_hat *= coef_hat
        dx += x_hat
        dx += coef_const
        return dx, dgamma, dbeta

    def batch_norm_infer(self, x, mean, var, gamma, beta, axes, epsilon):
        kept = _broadcast_shape(x.shape, axes)
        inv_std = 1.0 / self.xp.sqrt(_view(var, kept) + epsilon)
        scale = inv_std if gamma is None else inv_std * _view(gamma, kept)
        shift = -_view(mean, kept) * scale
        if beta is not None:
            shift = shift + _view(beta, kept)
        y = x * scale
        y += shift
        return y

    def batch_norm_infer_grad(self, g, x, mean, var, gamma, axes, epsilon, param_grads=True):
        xp = self.xp
        kept = _broadcast_shape(x.shape, axes)
        reduce = tuple(i for i in range(x.ndim) if i not in axes)
        inv_std = 1.0 / xp.sqrt(_view(var, kept) + epsilon)
        gamma = _view(gamma, kept)
        scale = inv_std if gamma is None else inv_std * gamma
        dx = g * scale
        if not param_grads:
            return dx, None, None, None, None
        dbeta = xp.sum(g, axis=reduce, keepdims=True)
        g_centered = xp.sum(g * (x - _view(mean, kept)), axis=reduce, keepdims=True)
        dgamma = g_centered * inv_std
        dmean = -scale * dbeta
        dvar = -0.5 * g_centered * inv_std * inv_std * scale
        return dx, dmean, dvar, dgamma, dbeta

    def moving_average_update(self, var, value, momentum, value_scale=1.0):
        value = value.reshape(var.shape)
        if value_scale != 1.0:
            value = value * value_scale
        delta = var - value
        delta *= 1.0 - momentum
        var -= delta

    # ---------------------------------------------------------------- layer normalization
    def layer_norm(self, x, gamma, beta, axes, epsilon):
        xp = self.xp
        kept = _broadcast_shape(x.shape, axes)
        mean = xp.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = xp.mean(xp.square(centered), axis=axes, keepdims=True)
        inv_std = 1.0 / xp.sqrt(var + epsilon)
        y = self._scale_shift_(centered, inv_std, _view(gamma, kept), _view(beta, kept))
        return y, mean, inv_std

    def layer_norm_grad(self, g, x, mean, inv_std, gamma, axes):
        xp = self.xp
        kept = _broadcast_shape(x.shape, axes)
        others = tuple(i for i in range(x.ndim) if i not in axes)
        x_hat = (x - mean) * inv_std
        dbeta = xp.sum(g, axis=others, keepdims=True)
        dgamma = xp.sum(g * x_hat, axis=others, keepdims=True)
        g_hat = g if gamma is None else g * _view(gamma, kept)
        # dx = inv_std * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat)), means over `axes`.
        m1 = xp.mean(g_hat, axis=axes, keepdims=True)
        m2 = xp.mean(g_hat * x_hat, axis=axes, keepdims=True)
        x_hat *= m2
        dx = g_hat - m1
        dx -= x_hat
        dx *= inv_std
        return dx, dgamma, dbeta
