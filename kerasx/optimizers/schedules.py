"""`keras.optimizers.schedules`: learning rates as functions of the optimizer's step.

The built-in schedules are evaluated on the host in Python (`value_at(step)` returns a float), because
the optimizer knows its step on the host: reading a device value every step would stall the GPU.
Calling a schedule returns a floatx Tensor, as in tf.keras.
"""
import math

from kerasx.autodiff.tensor import as_tensor
from kerasx.saving.object_registration import deserialize_keras_object, serialize_keras_object


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`. Built-in schedules also
    implement `value_at(step)`, a Python float; a user schedule is read back from its Tensor."""

    def __call__(self, step):
        raise NotImplementedError("abstract: a learning rate schedule must override __call__")

    def get_config(self):
        raise NotImplementedError("abstract: a learning rate schedule must override get_config")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def value_at(self, step):
        return float(self(step))


class _HostSchedule(LearningRateSchedule):
    """A schedule with a closed form in Python floats."""

    def __call__(self, step):
        return as_tensor(self.value_at(int(step)))


class ExponentialDecay(_HostSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the exponent floored with
    `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def value_at(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(_HostSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to ``boundaries[1]``, ...,
    ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                f"{len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def value_at(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(_HostSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def value_at(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PolynomialDecay(_HostSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps` along
    ``(1 - step / decay_steps) ** power``; with `cycle` the horizon grows in multiples of
    `decay_steps` instead of stopping."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def value_at(self, step):
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = 1.0 if step == 0 else math.ceil(step / decay_steps)
            decay_steps *= multiplier
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        start, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (start - end) * (1.0 - p) ** float(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(_HostSchedule):
    """Cosine decay from `initial_learning_rate` to ``alpha * initial_learning_rate`` over
    `decay_steps`, constant after."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name

    def value_at(self, step):
        done = min(step, self.decay_steps) / float(self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * done))
        alpha = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name}


def _check_schedule_arg(schedule, arg, value, positive=False):
    """Raises, naming the schedule and the argument, unless `value` is a (positive) number: a bad one
    would otherwise fail, or train wrongly, only at some later step."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        expected = "a positive number" if positive else "a non-negative number"
        raise ValueError(f"{type(schedule).__name__}: `{arg}` must be {expected}. Received: {arg}={value!r}.")


class CosineDecayRestarts(_HostSchedule):
    """Cosine decay with warm restarts (SGDR): the first period lasts `first_decay_steps`, each next
    one `t_mul` times longer and starting from `m_mul` times the previous initial rate; within a period
    the rate falls from its start to ``alpha`` times it, as tf.keras."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name=None):
        _check_schedule_arg(self, "initial_learning_rate", initial_learning_rate)
        _check_schedule_arg(self, "first_decay_steps", first_decay_steps, positive=True)
        _check_schedule_arg(self, "t_mul", t_mul, positive=True)
        _check_schedule_arg(self, "m_mul", m_mul)
        _check_schedule_arg(self, "alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def value_at(self, step):
        fraction = step / float(self.first_decay_steps)
        t_mul, m_mul = float(self._t_mul), float(self._m_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            # Periods 1, t, t^2, ...: restart i starts at (1 - t^i) / (1 - t) first periods.
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul ** i_restart
        cosine = 0.5 * m_mul ** i_restart * (1.0 + math.cos(math.pi * fraction))
        alpha = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul, "m_mul": self._m_mul,
                "alpha": self.alpha, "name": self.name}


_MODULE_OBJECTS = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay,
                                           PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=_MODULE_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="decay")


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize"]
