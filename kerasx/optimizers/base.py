"""`Optimizer`: tf.keras's OptimizerV2 — hyperparameters, slots, gradient clipping, `apply_gradients`,
`minimize`, weights and config.

Training calls `apply_gradients` every step, so nothing on that path reads a device value: the step
count and every hyperparameter are mirrored as Python numbers on the host (`HostMirroredVariable`),
bias corrections and schedules are computed in Python floats, and the updates run as the in-place ops
of `kerasx.ops.updates` on the variables.
"""
import logging
import math
import numbers
import re
import warnings

from kerasx import ops
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.tensor import Tensor, Variable, as_tensor, is_device_array
from kerasx.optimizers import schedules as schedules_mod

_ALLOWED_KWARGS = ("clipnorm", "clipvalue", "decay", "global_clipnorm", "lr", "weight_decay", "use_ema",
                   "ema_momentum", "ema_overwrite_frequency", "jit_compile")
# tf.keras 2.11's optimizer arguments, with its defaults: `get_config` writes them where they differ
# (a legacy optimizer's config stays as tf.keras's OptimizerV2 writes it) or where the class is one of
# the 2.11 optimizers (`_new_style_config`), which always write them.
_NEW_STYLE_DEFAULTS = {"weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
                       "ema_overwrite_frequency": None, "jit_compile": True}
_log = logging.getLogger("kerasx")


class HostMirroredVariable(Variable):
    """A 0-d Variable that also keeps its value as a Python number, so the optimizer reads it without
    a device sync. Every write goes through `assign*`, which update both; `K.set_value` and
    `set_weights` call `assign`. A Python number is written as a device fill (`Variable.assign`), so
    counting the steps makes no host-to-device copy."""

    __slots__ = ("_host",)

    def __init__(self, value, dtype, name):
        super().__init__(ops.fill((), value, dtype), dtype=dtype, trainable=False, name=name)
        self._host = self._to_python(value)

    def _to_python(self, value):
        if isinstance(value, Tensor) or is_device_array(value):
            value = as_tensor(value).numpy()
        if hasattr(value, "item"):
            value = value.item()
        return int(value) if self.dtype.startswith(("int", "uint")) else float(value)

    def assign(self, value):
        super().assign(value)  # checks the shape before anything changes
        self._host = self._to_python(value)
        return self

    def assign_add(self, delta):
        return self.assign(self._host + self._to_python(delta))

    def assign_sub(self, delta):
        return self.assign(self._host - self._to_python(delta))


def _shared_name(var):
    """'dense/kernel:0' -> 'dense/kernel', the stem tf.keras builds slot names from."""
    return re.sub(r":\d+$", "", str(getattr(var, "name", "Variable")))


# What a subclass that sets its own hyperparameters passes as `learning_rate`: nothing.
_NO_LEARNING_RATE = object()


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _describe(value):
    return f"{value!r} (of type {type(value).__name__})"


def _copy_of(var):
    """A slot initializer giving `var`'s current value (the EMA starts at the weights, as tf.keras)."""
    def initializer(shape, dtype):
        return var.read_value()
    return initializer


def _check_bool(optimizer, arg, value):
    if not isinstance(value, bool):
        raise TypeError(f"Optimizer {type(optimizer).__name__}: `{arg}` must be a bool. "
                        f"Received: {arg}={_describe(value)}.")


def _check_frequency(optimizer, arg, value):
    if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1):
        raise ValueError(f"Optimizer {type(optimizer).__name__}: `{arg}` must be None or a positive "
                         f"integer. Received: {arg}={_describe(value)}.")


def check_hyperparameter(optimizer, arg, value, upper=math.inf, schedules=False, number_only=False):
    """Raises, naming the optimizer class and the argument, unless `value` is a number in
    ``[0, upper]`` or (unless `number_only`) a 0-d Tensor or a callable, which tf.keras reads at every
    step, or, where `schedules`, a `LearningRateSchedule`. Checked in the constructor: a bad value
    would otherwise fail, or train wrongly, only once `fit` runs."""
    prefix = f"Optimizer {type(optimizer).__name__}: "
    if not number_only:
        if isinstance(value, schedules_mod.LearningRateSchedule):
            if schedules:
                return
        elif isinstance(value, Tensor):
            if value.ndim == 0:
                return
        elif callable(value):
            return
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if 0 <= value <= upper:
            return
        if upper == 1:
            raise ValueError(f"{prefix}`{arg}` must be between [0, 1]. Received: {arg}={value}.")
        raise ValueError(f"{prefix}Expected {arg} >= 0, received: {value}.")
    expected = "a number between [0, 1]" if upper == 1 else "a non-negative number"
    if not number_only:
        expected += ", a LearningRateSchedule," if schedules else ","
        expected += " a 0-d Tensor or a callable"
    raise TypeError(f"{prefix}`{arg}` must be {expected}. Received: {arg}={_describe(value)}.")


class Optimizer:
    """Base class of the optimizers, with tf.keras OptimizerV2's constructor keywords:
    `clipnorm`, `clipvalue`, `global_clipnorm`, and the Keras 2.3 `lr` and `decay` (inverse-time
    decay, ``lr / (1 + decay * iterations)``), and tf.keras 2.11's: `weight_decay` (decoupled,
    ``w -= w * lr * weight_decay`` before each update, see `exclude_from_weight_decay`), `use_ema`,
    `ema_momentum` and `ema_overwrite_frequency` (a moving average of the weights, which `fit` leaves
    in the model), and `jit_compile` (kept for the config: the fused kernels need no compiling).

    A subclass passes its `learning_rate` here, which sets the 'learning_rate' hyperparameter (`lr`,
    when given, takes its place, as in tf.keras) and 'decay', and puts both in `get_config`; one that
    passes none sets its own hyperparameters (a `learning_rate` passed as None is refused: it would
    only fail once `fit` runs)."""

    def __init__(self, name, learning_rate=_NO_LEARNING_RATE, **kwargs):
        if self._new_style_config and "decay" in kwargs:
            # tf.keras 2.11's optimizers refuse the legacy inverse-time decay, naming the way out.
            raise ValueError(f"decay is deprecated in the new Keras optimizer, please check the docstring for "
                             f"valid arguments, or use the legacy optimizer, e.g., "
                             f"tf.keras.optimizers.legacy.{type(self).__name__}.")
        for k, v in kwargs.items():
            if k not in _ALLOWED_KWARGS:
                raise TypeError(f"Unexpected keyword argument passed to optimizer: {k}. Allowed kwargs are "
                                f"{set(_ALLOWED_KWARGS)}.")
            if k == "lr":
                warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.", stacklevel=3)
                check_hyperparameter(self, k, v, schedules=True)
            elif k in ("use_ema", "jit_compile"):
                _check_bool(self, k, v)
            elif k == "ema_momentum":
                check_hyperparameter(self, k, v, upper=1, number_only=True)
            elif k == "ema_overwrite_frequency":
                _check_frequency(self, k, v)
            elif v is not None or k == "decay":
                check_hyperparameter(self, k, v, number_only=True)
        if learning_rate is not _NO_LEARNING_RATE and "lr" not in kwargs:
            check_hyperparameter(self, "learning_rate", learning_rate, schedules=True)
        if kwargs.get("clipnorm") is not None and kwargs.get("global_clipnorm") is not None:
            raise ValueError(
                f"Optimizer {type(self).__name__}: Cannot accept both `clipnorm` and `global_clipnorm`. "
                f"Received: `clipnorm`={kwargs['clipnorm']}, `global_clipnorm`={kwargs['global_clipnorm']}.")
        self._name = name
        self._hyper = {}
        self._slots = {}
        self._slot_names = []
        self._weights = []
        self._iterations = None
        # The variable lists already reported without gradients: tf.keras logs that when it traces
        # its train function, so once, not at every step.
        self._reported_missing_gradients = set()
        self._initial_decay = float(kwargs.get("decay", 0.0))
        self.clipnorm = kwargs.get("clipnorm")
        self.clipvalue = kwargs.get("clipvalue")
        self.global_clipnorm = kwargs.get("global_clipnorm")
        self.weight_decay = kwargs.get("weight_decay")
        self.use_ema = bool(kwargs.get("use_ema", False))
        self.ema_momentum = kwargs.get("ema_momentum", _NEW_STYLE_DEFAULTS["ema_momentum"])
        self.ema_overwrite_frequency = kwargs.get("ema_overwrite_frequency")
        # tf.keras compiles its update step with XLA when True; kerasx's fused kernels need no
        # compilation, so the flag is kept for the config only.
        self.jit_compile = bool(kwargs.get("jit_compile", _NEW_STYLE_DEFAULTS["jit_compile"]))
        self._built = False  # the weights exist (first `apply_gradients`, or loading a saved state)
        self._exclude_from_weight_decay_ids = set()
        self._exclude_from_weight_decay_names = []
        if learning_rate is not _NO_LEARNING_RATE or "lr" in kwargs:
            self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
            self._set_hyper("decay", self._initial_decay)

    @property
    def name(self):
        return self._name

    # ------------------------------------------------------------ hyperparameters
    def _set_hyper(self, name, value):
        """A number, a Tensor, a callable or (for the learning rate) a `LearningRateSchedule`; an
        existing variable is assigned in place, so `opt.lr` objects held elsewhere see the change."""
        prev = self._hyper.get(name)
        if isinstance(prev, HostMirroredVariable) and not (
                callable(value) or isinstance(value, schedules_mod.LearningRateSchedule)):
            prev.assign(value)
        else:
            self._hyper[name] = value

    def _get_hyper(self, name):
        """The hyperparameter as tf.keras returns it: a float32 Variable (created on first use), the
        schedule itself, or a callable's value."""
        value = self._hyper[name]
        if isinstance(value, (HostMirroredVariable, schedules_mod.LearningRateSchedule)):
            return value
        if callable(value):
            return value()
        var = HostMirroredVariable(self._to_float(value), "float32", name=f"{self._name}/{name}:0")
        self._hyper[name] = var
        return var

    @staticmethod
    def _to_float(value):
        if isinstance(value, Tensor):
            return float(value.numpy())
        return float(value)

    def _create_hypers(self):
        for name, value in list(self._hyper.items()):
            if not callable(value) and not isinstance(value, HostMirroredVariable):
                self._get_hyper(name)

    def _hyper_float(self, name):
        """The hyperparameter's current value as a Python float, read without touching the device."""
        value = self._hyper[name]
        if isinstance(value, HostMirroredVariable):
            return value._host
        if callable(value):
            value = value()
        return self._to_float(value)

    def _serialize_hyperparameter(self, name):
        value = self._hyper[name]
        if isinstance(value, schedules_mod.LearningRateSchedule):
            return schedules_mod.serialize(value)
        return self._hyper_float(name)

    def _decayed_lr(self):
        """The learning rate for this step as a float: the schedule at `iterations`, then the legacy
        inverse-time `decay`."""
        lr = self._hyper["learning_rate"]
        step = self.iterations._host
        if isinstance(lr, schedules_mod.LearningRateSchedule):
            lr_t = lr.value_at(step)
        else:
            lr_t = self._hyper_float("learning_rate")
        if self._initial_decay > 0.0:
            lr_t = lr_t / (1.0 + self._initial_decay * step)
        return lr_t

    def __getattr__(self, name):
        # Only reached when normal lookup fails: hyperparameters read as attributes (`opt.lr`).
        hyper = self.__dict__.get("_hyper")
        if name == "lr":
            name = "learning_rate"
        if hyper is not None and name in hyper:
            return self._get_hyper(name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name == "lr":
            name = "learning_rate"
        hyper = self.__dict__.get("_hyper")
        if hyper is not None and name in hyper:
            self._set_hyper(name, value)
        else:
            object.__setattr__(self, name, value)

    def __dir__(self):
        names = set(super().__dir__()) | set(self._hyper)
        if "learning_rate" in self._hyper:
            names.add("lr")
        return sorted(names)

    # ------------------------------------------------------------ weights
    @property
    def iterations(self):
        """The int64 Variable counting the steps applied."""
        if self._iterations is None:
            self._iterations = HostMirroredVariable(0, "int64", name=f"{self._name}/iter:0")
            self._weights.append(self._iterations)
        return self._iterations

    def add_slot(self, var, slot_name, initializer="zeros", shape=None):
        """The slot `slot_name` of `var` (created on first request, with `var`'s shape and dtype),
        named like tf.keras's: ``Adam/dense/kernel/m:0``."""
        if slot_name not in self._slot_names:
            self._slot_names.append(slot_name)
        slots = self._slots.setdefault(var._uid, {})
        weight = slots.get(slot_name)
        if weight is None:
            shape = tuple(shape) if shape is not None else var.shape
            if initializer == "zeros":
                value = ops.zeros(shape, var.dtype)
            elif _is_number(initializer):
                value = ops.fill(shape, float(initializer), var.dtype)
            else:
                value = initializer(shape, dtype=var.dtype)
            weight = Variable(value, dtype=var.dtype, trainable=False,
                              name=f"{self._name}/{_shared_name(var)}/{slot_name}:0")
            slots[slot_name] = weight
            self._weights.append(weight)
        return weight

    def get_slot(self, var, slot_name):
        slot = self._slots.get(var._uid, {}).get(slot_name)
        if slot is None:
            raise KeyError(f"Optimizer {self._name!r} has no slot {slot_name!r} for variable {var.name!r}.")
        return slot

    def get_slot_names(self):
        return list(self._slot_names)

    def _create_slots(self, var_list):
        """Subclasses add their slots here, one loop per slot name (tf.keras's weight order)."""

    def _create_all_weights(self, var_list):
        """Creates the step counter, hyperparameter variables and every slot for `var_list` (loading a
        saved optimizer state calls this before `set_weights`)."""
        _ = self.iterations
        self._built = True
        self._create_hypers()
        if self.use_ema:  # first, as tf.keras's base `build` creates them before the subclass's slots
            for var in var_list:
                self.add_slot(var, "average", initializer=_copy_of(var))
        self._create_slots(list(var_list))

    def build(self, var_list):
        """Keras-3 spelling of `_create_all_weights`."""
        self._create_all_weights(var_list)

    @property
    def weights(self):
        """[iterations] then the slots in creation order (for Adam, every 'm' then every 'v')."""
        return list(self._weights)

    def variables(self):
        return list(self._weights)

    def get_weights(self):
        return [w.numpy() for w in self._weights]

    def set_weights(self, weights):
        params = self._weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self._name} with a weight list of length "
                f"{len(weights)}, but the optimizer was expecting {len(params)} weights. Provided weights: "
                f"{str(weights)[:50]}...")
        for p, w in zip(params, weights):
            shape = tuple(getattr(w, "shape", ()))
            if p.shape != shape:
                raise ValueError(f"Optimizer weight shape {p.shape} not compatible with provided weight "
                                 f"shape {shape}.")
        for p, w in zip(params, weights):
            p.assign(w)

    # ------------------------------------------------------------ applying gradients
    def _filter_empty_gradients(self, grads_and_vars):
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            return grads_and_vars
        filtered = tuple((g, v) for g, v in grads_and_vars if g is not None)
        if not filtered:
            names = [getattr(v, "name", repr(v)) for _, v in grads_and_vars]
            raise ValueError(f"No gradients provided for any variable: {names}.")
        missing = [v.name for g, v in grads_and_vars if g is None]
        if missing and tuple(missing) not in self._reported_missing_gradients:
            self._reported_missing_gradients.add(tuple(missing))
            _log.warning("Gradients do not exist for variables %s when minimizing the loss. If you're using "
                         "`model.compile()`, did you forget to provide a `loss` argument?", missing)
        return filtered

    def _grad_tensors(self, grads_and_vars):
        """Each gradient as a Tensor of its variable's dtype (host gradients moved once), checked before
        anything changes."""
        out = []
        for i, (g, v) in enumerate(grads_and_vars):
            if not isinstance(v, Variable):
                raise TypeError(f"Optimizer {self._name!r} can only update Variables; entry {i} of "
                                f"grads_and_vars holds a {type(v).__name__}.")
            g = as_tensor(g, dtype=v.dtype)
            if g.shape != v.shape:
                raise ValueError(f"Gradient for variable {v.name!r} has shape {g.shape}, expected "
                                 f"the variable's shape {v.shape}.")
            out.append(g)
        return out

    def _prepare(self):
        """Host-side coefficients for this step (Python floats); subclasses add their own."""
        return {"lr_t": self._decayed_lr()}

    # ------------------------------------------------------------ weight decay (tf.keras 2.11)
    # True where `_resource_apply_dense` applies ``coefficients["weight_decay"]`` (``lr * weight_decay``,
    # 0 when none) in its own kernel; otherwise the base applies it first, as its own pass.
    _fuses_weight_decay = False

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts the variables `var_list`, and those whose name contains a match of a regular
        expression in `var_names` (tf.keras: ``re.search``), from `weight_decay`. Only before the
        optimizer has created its weights, as tf.keras."""
        if self._built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer "
                             f"{self._name!r} is built (before its first `apply_gradients`).")
        for i, v in enumerate(var_list or []):
            if not isinstance(v, Variable):
                raise TypeError(f"exclude_from_weight_decay: `var_list` must hold Variables; entry {i} "
                                f"is a {type(v).__name__}.")
        for i, n in enumerate(var_names or []):
            if not isinstance(n, str):
                raise TypeError(f"exclude_from_weight_decay: `var_names` must hold strings (regular "
                                f"expressions); entry {i} is {_describe(n)}.")
            try:  # now, not halfway through a training step
                re.compile(n)
            except re.error as e:
                raise ValueError(f"exclude_from_weight_decay: `var_names` entry {i}, {n!r}, is not a "
                                 f"regular expression: {e}.") from None
        self._exclude_from_weight_decay_ids.update(v._uid for v in var_list or [])
        self._exclude_from_weight_decay_names.extend(var_names or [])

    def _use_weight_decay(self, var):
        if var._uid in self._exclude_from_weight_decay_ids:
            return False
        name = str(getattr(var, "name", ""))
        return not any(re.search(pattern, name) for pattern in self._exclude_from_weight_decay_names)

    def _resource_apply_dense(self, grad, var, coefficients):
        """Updates `var` in place from the gradient Tensor `grad` with this step's host `coefficients`
        (`_prepare`); the built-in optimizers call an op of `kerasx.ops.updates`."""
        raise NotImplementedError("abstract: each optimizer subclass implements its update")

    def apply_gradients(self, grads_and_vars, name=None, experimental_aggregate_gradients=True):
        """Applies ``(gradient, variable)`` pairs (None gradients skipped) and adds 1 to `iterations`.
        Returns `iterations`."""
        grads_and_vars = self._filter_empty_gradients(grads_and_vars)
        grads = self._grad_tensors(grads_and_vars)
        var_list = [v for _, v in grads_and_vars]
        self._create_all_weights(var_list)
        if not grads_and_vars:
            return self.iterations
        grads = ops.clip_gradients(grads, self.clipvalue, self.clipnorm, self.global_clipnorm)
        coefficients = self._prepare()
        wd_factor = 0.0 if not self.weight_decay else coefficients["lr_t"] * float(self.weight_decay)
        for grad, var in zip(grads, var_list):
            decay = wd_factor if wd_factor and self._use_weight_decay(var) else 0.0
            if decay and not self._fuses_weight_decay:
                ops.weight_decay_update(var, decay)
                decay = 0.0
            coefficients["weight_decay"] = decay
            self._resource_apply_dense(grad, var, coefficients)
            if self.use_ema:
                self._update_moving_average(var)
            if getattr(var, "constraint", None) is not None:
                var.assign(var.constraint(var))
        self.iterations.assign_add(1)
        return self.iterations

    # ------------------------------------------------------------ EMA of the weights (tf.keras 2.11)
    def _update_moving_average(self, var):
        """``average = ema_momentum * average + (1 - ema_momentum) * var`` after the variable's update,
        and, every `ema_overwrite_frequency` steps, the variable set to its average (tf.keras's order:
        before the constraint and the step count)."""
        average = self.get_slot(var, "average")
        ops.assign_moving_average(average, var, float(self.ema_momentum))
        freq = self.ema_overwrite_frequency
        if freq and (self.iterations._host + 1) % freq == 0:
            var.assign(average)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, sets each variable of `var_list` that has an average to it (`fit` calls this
        once training ends, as tf.keras 2.11); without, changes nothing."""
        if not self.use_ema:
            return
        for var in var_list:
            average = self._slots.get(getattr(var, "_uid", None), {}).get("average")
            if average is not None:
                var.assign(average)

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """Computes the gradients of `loss` (a zero-argument callable, or a Tensor recorded on `tape`)
        with respect to `var_list` and applies them."""
        grads_and_vars = self._compute_gradients(loss, var_list, grad_loss=grad_loss, tape=tape)
        return self.apply_gradients(grads_and_vars)

    def _compute_gradients(self, loss, var_list, grad_loss=None, tape=None):
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss}, tape={tape}.")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))

    # ------------------------------------------------------------ config
    def get_config(self):
        config = {"name": self._name}
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if self._new_style_config or getattr(self, key) is not None:
                config[key] = getattr(self, key)
        if "learning_rate" in self._hyper:
            config["learning_rate"] = self._serialize_hyperparameter("learning_rate")
            if not self._new_style_config:
                config["decay"] = self._initial_decay
        for key, default in _NEW_STYLE_DEFAULTS.items():
            value = getattr(self, key)
            if self._new_style_config or value != default:
                config[key] = value
        if self._new_style_config:
            config["is_legacy_optimizer"] = False
        return config

    # True for the optimizers tf.keras added with 2.11's optimizer API (AdamW, Lion, Ftrl): their
    # config holds every 2.11 argument, as tf.keras writes it, and no legacy `decay`.
    _new_style_config = False

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("is_legacy_optimizer", None)  # written by tf.keras 2.11+, describes the class
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules_mod.deserialize(config["learning_rate"],
                                                                custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self._name!r}>"
