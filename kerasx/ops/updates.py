"""In-place optimizer updates: each takes the `Variable`s it changes and the gradient `Tensor` it reads,
and runs on their device arrays.

These are state, not math: not differentiable and never recorded on a tape (an optimizer may be
applied inside a `GradientTape` block, and a slot is no function of the loss). They are the one place
where training updates unwrap `.data`; `norm.assign_moving_average` is their counterpart for moving
statistics.

SGD, Adam (and AdamW), Lion, Ftrl and RMSprop call the backends' fused kernels, which run in
cache-sized blocks on the CPU: they are every model's hot path. Adafactor's kernel works on whole
variables, since it reduces over them. Adamax, Nadam, Adagrad and Adadelta, and the optimizers' gradient
clipping, are composed from elementwise kernels on the arrays, in the same order as tf.keras's formulas
(through recorded ops each kernel would cost a primitive call's bookkeeping, several microseconds, per
variable per step).
"""
import backends
from kerasx.autodiff.tensor import Tensor, Variable


def _state(op, name, v, optional=False):
    """The device array of a Variable the update writes (None stays None where `optional`)."""
    if v is None and optional:
        return None
    if not isinstance(v, Variable):
        raise TypeError(f"{op}: `{name}` must be a Variable (it is updated in place), received "
                        f"{type(v).__name__}.")
    return v.data


def _gradient(op, grad):
    if not isinstance(grad, Tensor):
        raise TypeError(f"{op}: `grad` must be a Tensor, received {type(grad).__name__}.")
    return grad.data


# ------------------------------------------------------------------ fused kernels
def sgd_update(var, grad, velocity, lr, momentum, nesterov):
    """tf.keras SGD in place: ``velocity = momentum * velocity - lr * grad; var += velocity`` (Nesterov:
    ``var += momentum * velocity - lr * grad``); ``var -= lr * grad`` when `velocity` is None."""
    op = "sgd_update"
    backends.get().sgd_update(_state(op, "var", var), _gradient(op, grad),
                              _state(op, "velocity", velocity, optional=True), lr, momentum, nesterov)


def adam_update(var, grad, m, v, lr_t, beta_1, beta_2, epsilon, vhat=None, decay=0.0):
    """tf.keras Adam in place, the bias correction folded into `lr_t`; with `vhat` (AMSGrad) the
    running maximum of `v` is the denominator. A nonzero `decay` (``lr * weight_decay``, AdamW) first
    decays `var` in the same pass: ``var -= var * decay``."""
    op = "adam_update"
    backends.get().adam_update(_state(op, "var", var), _gradient(op, grad), _state(op, "m", m),
                               _state(op, "v", v), lr_t, beta_1, beta_2, epsilon,
                               _state(op, "vhat", vhat, optional=True), decay)


def weight_decay_update(var, decay):
    """tf.keras 2.11's decoupled weight decay in place, ``var -= var * decay`` with
    ``decay = lr * weight_decay``."""
    backends.get().weight_decay_update(_state("weight_decay_update", "var", var), decay)


def lion_update(var, grad, m, lr, beta_1, beta_2, decay=0.0):
    """tf.keras Lion in place: ``var -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g``, after the
    weight decay ``var -= var * decay`` when `decay` is nonzero."""
    op = "lion_update"
    backends.get().lion_update(_state(op, "var", var), _gradient(op, grad), _state(op, "m", m), lr, beta_1,
                               beta_2, decay)


def adafactor_update(var, grad, r, c, v, rho_t, beta_2_t, epsilon_1, epsilon_2, clip_threshold):
    """tf.keras Adafactor in place: the factored second moments `r` (``var.shape[:-1]``) and `c`
    (``var.shape[:-2] + var.shape[-1:]``) for a variable of 2+ dimensions, the full `v` otherwise;
    `rho_t` and `beta_2_t` are this step's host coefficients (see the backend's docstring)."""
    op = "adafactor_update"
    backends.get().adafactor_update(_state(op, "var", var), _gradient(op, grad), _state(op, "r", r),
                                    _state(op, "c", c), _state(op, "v", v), rho_t, beta_2_t, epsilon_1,
                                    epsilon_2, clip_threshold)


def ftrl_update(var, grad, accumulator, linear, lr, lr_power, l1, l2, l2_shrinkage):
    """tf.keras FTRL-Proximal in place (`l2` already holds tf.keras's ``beta / (2 lr)`` term)."""
    op = "ftrl_update"
    backends.get().ftrl_update(_state(op, "var", var), _gradient(op, grad),
                               _state(op, "accumulator", accumulator), _state(op, "linear", linear), lr,
                               lr_power, l1, l2, l2_shrinkage)


def rmsprop_update(var, grad, ms, mom, mg, lr, rho, momentum, epsilon):
    """tf.keras RMSprop in place; `mom` (momentum) and `mg` (centered) may be None."""
    op = "rmsprop_update"
    backends.get().rmsprop_update(_state(op, "var", var), _gradient(op, grad), _state(op, "ms", ms),
                                  _state(op, "mom", mom, optional=True), _state(op, "mg", mg, optional=True),
                                  lr, rho, momentum, epsilon)


# ------------------------------------------------------------------ composed from kernels
def adamax_update(var, grad, m, u, lr_t, beta_1, beta_2, epsilon):
    """``m = b1 m + (1 - b1) g; u = max(b2 u, |g|); var -= lr_t m / (u + epsilon)``, with the bias
    correction ``1 / (1 - b1^t)`` folded into `lr_t`."""
    op = "adamax_update"
    b = backends.get()
    w, g, m, u = _state(op, "var", var), _gradient(op, grad), _state(op, "m", m), _state(op, "u", u)
    b.copy_(m, b.add(b.multiply(m, beta_1), b.multiply(g, 1.0 - beta_1)))
    b.copy_(u, b.maximum(b.multiply(u, beta_2), b.abs(g)))
    b.copy_(w, b.subtract(w, b.divide(b.multiply(m, lr_t), b.add(u, epsilon))))


def nadam_update(var, grad, m, v, lr, beta_1, beta_2, epsilon, momentum_t, momentum_t_1, m_schedule_new,
                 m_schedule_next, v_correction):
    """tf.keras Nadam in place: `momentum_t`/`momentum_t_1` are this and the next step's momentum
    (``mu_t``), `m_schedule_new`/`m_schedule_next` their running products, `v_correction`
    ``1 - b2^t``."""
    op = "nadam_update"
    b = backends.get()
    w, g, m, v = _state(op, "var", var), _gradient(op, grad), _state(op, "m", m), _state(op, "v", v)
    g_prime = b.divide(g, 1.0 - m_schedule_new)
    b.copy_(m, b.add(b.multiply(m, beta_1), b.multiply(g, 1.0 - beta_1)))
    m_prime = b.divide(m, 1.0 - m_schedule_next)
    b.copy_(v, b.add(b.multiply(v, beta_2), b.multiply(b.square(g), 1.0 - beta_2)))
    v_prime = b.divide(v, v_correction)
    m_bar = b.add(b.multiply(g_prime, 1.0 - momentum_t), b.multiply(m_prime, momentum_t_1))
    step = b.divide(b.multiply(m_bar, lr), b.add(b.sqrt(v_prime), epsilon))
    b.copy_(w, b.subtract(w, step))


def adagrad_update(var, grad, accumulator, lr, epsilon):
    """``accumulator += g^2; var -= lr g / (sqrt(accumulator) + epsilon)``."""
    op = "adagrad_update"
    b = backends.get()
    w, g, acc = _state(op, "var", var), _gradient(op, grad), _state(op, "accumulator", accumulator)
    b.copy_(acc, b.add(acc, b.square(g)))
    step = b.divide(b.multiply(g, lr), b.add(b.sqrt(acc), epsilon))
    b.copy_(w, b.subtract(w, step))


def adadelta_update(var, grad, accum_grad, accum_var, lr, rho, epsilon):
    """``accum_grad = rho accum_grad + (1 - rho) g^2;
    d = sqrt(accum_var + eps) / sqrt(accum_grad + eps) g; accum_var = rho accum_var + (1 - rho) d^2;
    var -= lr d``."""
    op = "adadelta_update"
    b = backends.get()
    w, g = _state(op, "var", var), _gradient(op, grad)
    acc, acc_d = _state(op, "accum_grad", accum_grad), _state(op, "accum_var", accum_var)
    b.copy_(acc, b.add(b.multiply(acc, rho), b.multiply(b.square(g), 1.0 - rho)))
    update = b.multiply(b.divide(b.sqrt(b.add(acc_d, epsilon)), b.sqrt(b.add(acc, epsilon))), g)
    b.copy_(acc_d, b.add(b.multiply(acc_d, rho), b.multiply(b.square(update), 1.0 - rho)))
    b.copy_(w, b.subtract(w, b.multiply(update, lr)))


# ------------------------------------------------------------------ gradient clipping
def clip_gradients(grads, clipvalue=None, clipnorm=None, global_clipnorm=None):
    """The gradient Tensors clipped as tf.keras's optimizers clip them, in its order: to
    ``[-clipvalue, clipvalue]``, then each to an L2 norm of at most `clipnorm`, then all together to a
    global norm of at most `global_clipnorm` (None skips a step). New Tensors; nothing is recorded."""
    op = "clip_gradients"
    b = backends.get()
    arrays = [_gradient(op, g) for g in grads]
    if clipvalue is None and clipnorm is None and global_clipnorm is None:
        return list(grads)
    if clipvalue is not None:
        c = float(clipvalue)
        arrays = [b.clip(g, -c, c) for g in arrays]
    if clipnorm is not None:
        c = float(clipnorm)
        arrays = [b.divide(b.multiply(g, c), b.maximum(b.sqrt(b.sum(b.square(g))), c)) for g in arrays]
    if global_clipnorm is not None and arrays:
        c = float(global_clipnorm)
        total = None
        for g in arrays:
            s = b.sum(b.square(g))
            total = s if total is None else b.add(total, s)
        scale = b.divide(c, b.maximum(b.sqrt(total), c))
        arrays = [b.multiply(g, b.cast(scale, b.dtype_name(g))) for g in arrays]
    return [Tensor(a) for a in arrays]
