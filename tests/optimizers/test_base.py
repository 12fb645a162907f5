"""The OptimizerV2 machinery shared by every optimizer: hyperparameters (`lr` alias, `decay`,
`K.set_value`), schedules, clipping, None gradients, `minimize`, weights, config and errors."""
import numpy as np
import pytest

from kerasx import GradientTape, Variable, ops, optimizers
from kerasx import backend as K
from kerasx.optimizers import schedules


def var(value=(1.0, 2.0), name="w:0"):
    return Variable(np.array(value, "float32"), name=name)


def sgd_steps(opt, grads, v=None):
    v = var() if v is None else v
    for g in grads:
        opt.apply_gradients([(np.array(g, "float32"), v)])
    return v.numpy()


def test_lr_alias_warns_and_sets_learning_rate(backend):
    with pytest.warns(UserWarning, match="The `lr` argument is deprecated, use `learning_rate` instead"):
        opt = optimizers.SGD(lr=0.5)
    assert opt.get_config()["learning_rate"] == 0.5
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]]), [0.5, 1.5])
    assert opt.lr is opt.learning_rate


def test_k_set_value_and_get_value_on_lr(backend):
    opt = optimizers.SGD(learning_rate=0.1)
    v = var()
    sgd_steps(opt, [[1.0, 1.0]], v)
    K.set_value(opt.lr, 0.01)
    got = K.get_value(opt.lr)
    assert got.dtype == np.float32 and got == np.float32(0.01)
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]], v), [0.89, 1.89], rtol=1e-6)
    opt.learning_rate = 1.0
    assert float(K.get_value(opt.learning_rate)) == 1.0
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]], v), [-0.11, 0.89], rtol=1e-5)
    assert opt.get_config()["learning_rate"] == 1.0
    opt.lr = 0.5  # the Keras 2.3 attribute name sets the same hyperparameter
    assert opt.get_config()["learning_rate"] == 0.5 and float(K.get_value(opt.learning_rate)) == 0.5


def test_other_hyperparameters_are_attributes(backend):
    opt = optimizers.Adam(beta_1=0.8)
    assert float(K.get_value(opt.beta_1)) == pytest.approx(0.8)
    opt.beta_1 = 0.5
    assert opt.get_config()["beta_1"] == 0.5
    assert {"lr", "learning_rate", "beta_1", "decay"} <= set(dir(opt))
    with pytest.raises(AttributeError, match="'Adam' object has no attribute 'nope'"):
        opt.nope


def test_legacy_decay(backend):
    lr, decay = 0.1, 0.5
    opt = optimizers.SGD(learning_rate=lr, decay=decay)
    w = np.array([1.0, 2.0])
    for it in range(3):
        w = w - lr / (1 + decay * it) * 1.0
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]] * 3), w, rtol=1e-6)
    assert opt.get_config()["decay"] == 0.5


def test_schedule_as_learning_rate(backend):
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched)
    # The schedule is read at the step count before the update: 0.1, 0.05, 0.025.
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]] * 3), [1 - 0.175, 2 - 0.175], rtol=1e-6)
    assert opt.lr is sched
    config = opt.get_config()
    assert config["learning_rate"] == {"class_name": "ExponentialDecay", "config": sched.get_config()}
    again = optimizers.SGD.from_config(config)
    assert isinstance(again.lr, schedules.ExponentialDecay) and again.lr.get_config() == sched.get_config()
    opt.learning_rate = 0.2  # a number replaces the schedule
    assert float(K.get_value(opt.lr)) == pytest.approx(0.2)


def test_callable_learning_rate(backend):
    opt = optimizers.SGD(learning_rate=lambda: 0.25)
    np.testing.assert_allclose(sgd_steps(opt, [[1.0, 1.0]]), [0.75, 1.75])


def test_clipvalue_clipnorm_global_clipnorm(backend):
    g = [[3.0, 4.0]]  # norm 5
    np.testing.assert_allclose(sgd_steps(optimizers.SGD(1.0, clipvalue=1.0), g), [0.0, 1.0])
    np.testing.assert_allclose(sgd_steps(optimizers.SGD(1.0, clipnorm=1.0), g), [1 - 0.6, 2 - 0.8], rtol=1e-6)
    np.testing.assert_allclose(sgd_steps(optimizers.SGD(1.0, clipnorm=10.0), g), [-2.0, -2.0], rtol=1e-6)
    a, b = var(), var((0.0,), "b:0")
    opt = optimizers.SGD(1.0, global_clipnorm=6.5)  # global norm sqrt(25 + 144) = 13
    opt.apply_gradients([(np.array([3.0, 4.0], "float32"), a), (np.array([12.0], "float32"), b)])
    np.testing.assert_allclose(a.numpy(), [1 - 1.5, 2 - 2.0], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-6.0], rtol=1e-6)
    assert a.dtype == "float32"
    assert optimizers.SGD(clipnorm=1.0).get_config()["clipnorm"] == 1.0


def test_none_gradients_are_skipped(backend, caplog):
    a, b = var(), var(name="b:0")
    opt = optimizers.SGD(1.0)
    opt.apply_gradients([(None, a), (np.ones(2, "float32"), b)])
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.numpy(), [0.0, 1.0])
    assert "Gradients do not exist for variables ['w:0']" in caplog.text


def test_all_none_gradients_is_an_error(backend):
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \['dense/kernel:0', 'b:0'\]"):
        opt.apply_gradients([(None, var(name="dense/kernel:0")), (None, var(name="b:0"))])
    assert opt.weights == []


def test_empty_list_is_a_no_op(backend):
    opt = optimizers.SGD()
    opt.apply_gradients([])
    assert int(opt.iterations.numpy()) == 0


def test_bad_gradients_are_rejected_before_any_change(backend):
    opt = optimizers.Adam()
    v = var()
    with pytest.raises(ValueError, match=r"Gradient for variable 'w:0' has shape \(3,\), expected the "
                                         r"variable's shape \(2,\)"):
        opt.apply_gradients([(np.ones(3, "float32"), v)])
    with pytest.raises(TypeError, match="Optimizer 'Adam' can only update Variables; entry 0 of "
                                        "grads_and_vars holds a Tensor"):
        opt.apply_gradients([(np.ones(2, "float32"), ops.ones((2,)))])
    assert opt.weights == [] and v.numpy().tolist() == [1.0, 2.0]


def test_minimize_with_a_callable_loss(backend):
    v = var((3.0,))
    opt = optimizers.SGD(0.1)
    for _ in range(2):
        opt.minimize(lambda: ops.sum(ops.square(v)), [v])
    np.testing.assert_allclose(v.numpy(), [3.0 * 0.8 * 0.8], rtol=1e-6)


def test_minimize_with_a_tensor_loss_needs_its_tape(backend):
    v = var((3.0,))
    opt = optimizers.SGD(0.1)
    with GradientTape() as tape:
        loss = ops.sum(ops.square(v))
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        opt.minimize(loss, [v])
    opt.minimize(loss, [v], tape=tape)
    np.testing.assert_allclose(v.numpy(), [2.4], rtol=1e-6)


def test_constructor_errors():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: foo. Allowed kwargs"):
        optimizers.Adam(foo=1)
    with pytest.raises(ValueError, match="Expected clipnorm >= 0, received: -1"):
        optimizers.SGD(clipnorm=-1)
    with pytest.raises(ValueError, match="Expected decay >= 0, received: -0.1"):
        optimizers.SGD(decay=-0.1)
    with pytest.raises(ValueError, match="Cannot accept both `clipnorm` and `global_clipnorm`"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match=r"`momentum` must be between \[0, 1\]. Received: momentum=1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match=r"`momentum` must be between \[0, 1\]. Received: momentum=-0.1"):
        optimizers.RMSprop(momentum=-0.1)
    with pytest.raises(ValueError, match="initial_accumulator_value must be non-negative: -1"):
        optimizers.Adagrad(initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="The Nadam optimizer does not support"):
        optimizers.Nadam(learning_rate=schedules.InverseTimeDecay(0.1, 1, 0.5))


def test_weights_round_trip_restores_the_step(backend):
    v = var(name="dense/kernel:0")
    opt = optimizers.Adam(0.1)
    for _ in range(2):
        opt.apply_gradients([(np.array([0.5, -1.0], "float32"), v)])
    saved, w_saved = opt.get_weights(), v.numpy()
    assert [w.shape for w in saved] == [(), (2,), (2,)] and int(saved[0]) == 2
    assert opt.variables() == opt.weights

    v2 = var(name="dense/kernel:0")
    v2.assign(w_saved)
    opt2 = optimizers.Adam(0.1)
    opt2._create_all_weights([v2])
    opt2.set_weights(saved)
    opt.apply_gradients([(np.array([0.3, 0.3], "float32"), v)])
    opt2.apply_gradients([(np.array([0.3, 0.3], "float32"), v2)])
    np.testing.assert_allclose(v2.numpy(), v.numpy(), rtol=1e-6)  # same bias correction at step 3
    assert int(opt2.iterations.numpy()) == 3


def test_set_weights_errors(backend):
    opt = optimizers.Adam(name="Adam")
    opt.build([var()])
    with pytest.raises(ValueError, match="You called `set_weights\\(weights\\)` on optimizer Adam with a weight "
                                         "list of length 1, but the optimizer was expecting 3 weights"):
        opt.set_weights([np.int64(0)])
    with pytest.raises(ValueError, match=r"Optimizer weight shape \(2,\) not compatible with provided weight "
                                         r"shape \(3,\)"):
        opt.set_weights([np.int64(0), np.zeros(3), np.zeros(2)])


def test_get_slot_error(backend):
    with pytest.raises(KeyError, match="Optimizer 'SGD' has no slot 'momentum' for variable 'w:0'"):
        optimizers.SGD().get_slot(var(), "momentum")


def test_slots_are_created_lazily(backend):
    opt = optimizers.RMSprop()
    assert opt.weights == []
    v = var()
    opt.apply_gradients([(np.ones(2, "float32"), v)])
    slot = opt.get_slot(v, "rms")
    assert slot.shape == (2,) and slot.dtype == "float32" and not slot.trainable


def test_apply_gradients_never_reads_the_device(backend, monkeypatch):
    v = var()
    opt = optimizers.Adam(0.01, clipnorm=1.0, decay=0.1)
    opt.apply_gradients([(np.ones(2, "float32"), v)])

    def no_reads(*a, **k):
        raise AssertionError("apply_gradients read a device value back to the host")

    monkeypatch.setattr(backend, "to_numpy", no_reads)
    g = ops.ones((2,))
    for _ in range(3):
        opt.apply_gradients([(g, v)])
    nadam = optimizers.Nadam(global_clipnorm=1.0)
    for _ in range(2):
        nadam.apply_gradients([(g, v)])


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: optimizers.Adam(amsgrad=True, decay=0.01),
    lambda: optimizers.RMSprop(momentum=0.5, centered=True), optimizers.Adagrad, optimizers.Adadelta,
    optimizers.Adamax, optimizers.Nadam, lambda: optimizers.Adam(clipvalue=0.5, clipnorm=1.0),
    lambda: optimizers.SGD(global_clipnorm=1.0)])
def test_a_step_moves_nothing_between_host_and_device(backend, make):
    """Gradients on the device: creating the slots and hyperparameters, updating and counting the step
    make no host/device transfer (numbers are written as device fills)."""
    opt, v, b = make(), var(name="w:0"), var((0.5,), name="b:0")
    grads = [ops.fill((2,), 0.3), ops.fill((1,), -0.2)]
    with backend.transfers.counting() as moved:
        for _ in range(2):
            opt.apply_gradients(zip(grads, [v, b]))
    assert moved == {"to_host": 0, "to_device": 0}
    assert opt.iterations._host == 2 and int(opt.iterations.numpy()) == 2


def test_learning_rate_and_decay_are_set_up_by_the_base_class(backend):
    """A subclass passes its learning rate to `Optimizer.__init__` and writes its update with ops and
    Variable methods (tf.keras's extension point); the base sets 'learning_rate' (or `lr`) and 'decay'
    and puts them in the config."""
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.5, name="SignSGD", **kwargs):
            super().__init__(name, learning_rate, **kwargs)

        def _resource_apply_dense(self, grad, var, coefficients):
            var.assign_sub(ops.multiply(ops.sign(grad), coefficients["lr_t"]))

    opt = SignSGD(decay=0.5)
    assert opt.get_config() == {"name": "SignSGD", "learning_rate": 0.5, "decay": 0.5}
    np.testing.assert_allclose(sgd_steps(opt, [[3.0, -0.1]] * 2), [1 - 0.5 - 0.5 / 1.5, 2 + 0.5 + 0.5 / 1.5],
                               rtol=1e-6)
    assert float(K.get_value(opt.decay)) == 0.5
    with pytest.warns(UserWarning, match="The `lr` argument is deprecated"):
        assert SignSGD(lr=0.25).get_config()["learning_rate"] == 0.25

    class NoLearningRate(optimizers.Optimizer):
        pass

    bare = NoLearningRate("Bare", clipnorm=1.0)
    assert bare.get_config() == {"name": "Bare", "clipnorm": 1.0}
    with pytest.raises(AttributeError, match="'NoLearningRate' object has no attribute 'learning_rate'"):
        bare.lr


ALL_OPTIMIZERS = [optimizers.SGD, optimizers.RMSprop, optimizers.Adam, optimizers.Adamax, optimizers.Nadam,
                  optimizers.Adagrad, optimizers.Adadelta]


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_constructor_validates_the_learning_rate(cls):
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"Optimizer {name}: `learning_rate` must be a non-negative number, "
                                        r"a LearningRateSchedule, a 0-d Tensor or a callable. Received: "
                                        r"learning_rate='fast' \(of type str\)."):
        cls("fast")
    with pytest.raises(ValueError, match=rf"Optimizer {name}: Expected learning_rate >= 0, received: -0.1."):
        cls(learning_rate=-0.1)
    with pytest.raises(TypeError, match=rf"Optimizer {name}: `learning_rate` must be .* Received: "
                                        r"learning_rate=None \(of type NoneType\)."):
        cls(learning_rate=None)
    with pytest.raises(ValueError, match=rf"Optimizer {name}: Expected lr >= 0, received: -1."):
        with pytest.warns(UserWarning, match="The `lr` argument is deprecated"):
            cls(lr=-1)
    with pytest.raises(TypeError, match=rf"Optimizer {name}: `clipnorm` must be a non-negative number. "
                                        r"Received: clipnorm=\[1.0\] \(of type list\)."):
        cls(clipnorm=[1.0])
    with pytest.raises(ValueError, match=rf"Optimizer {name}: Expected global_clipnorm >= 0"):
        cls(global_clipnorm=-1.0)
    # What tf.keras takes: numbers (NumPy's too), 0-d Tensors, callables and, but for Nadam, schedules.
    for ok in (0.0, np.float32(0.1), 3, ops.fill((), 0.1, "float32"), lambda: 0.1):
        assert cls(ok).get_config()["name"] == name
    if cls is not optimizers.Nadam:
        cls(schedules.ExponentialDecay(0.1, 10, 0.9))


@pytest.mark.parametrize("cls, arg, value, message", [
    (optimizers.SGD, "momentum", "high", r"`momentum` must be a number between \[0, 1\], a 0-d Tensor or a "
                                         r"callable. Received: momentum='high' \(of type str\)."),
    (optimizers.Adam, "beta_1", 1.5, r"`beta_1` must be between \[0, 1\]. Received: beta_1=1.5."),
    (optimizers.Adamax, "beta_2", -0.5, r"`beta_2` must be between \[0, 1\]. Received: beta_2=-0.5."),
    (optimizers.Nadam, "epsilon", -1e-7, r"Expected epsilon >= 0, received: -1e-07."),
    (optimizers.RMSprop, "rho", 2.0, r"`rho` must be between \[0, 1\]. Received: rho=2.0."),
    (optimizers.RMSprop, "epsilon", "tiny", r"`epsilon` must be a non-negative number. Received: "
                                            r"epsilon='tiny' \(of type str\)."),
    (optimizers.Adadelta, "rho", -0.1, r"`rho` must be between \[0, 1\]. Received: rho=-0.1."),
    (optimizers.Adagrad, "epsilon", -1.0, r"Expected epsilon >= 0, received: -1.0."),
    (optimizers.Adagrad, "initial_accumulator_value", "x", r"`initial_accumulator_value` must be a "
                                                           r"non-negative number. Received"),
])
def test_constructors_validate_their_hyperparameters(cls, arg, value, message):
    error = TypeError if isinstance(value, str) else ValueError
    with pytest.raises(error, match=rf"Optimizer {cls.__name__}: {message}"):
        cls(**{arg: value})


def test_a_bad_learning_rate_fails_before_compile_or_fit(backend):
    # tf.keras would only fail (or, for a negative rate, train uphill) once `fit` runs.
    import kerasx as keras
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="Optimizer Adam: Expected learning_rate >= 0, received: -0.001."):
        model.compile(optimizer=optimizers.Adam(-1e-3), loss="mse")
    with pytest.raises(TypeError, match="Optimizer RMSprop: `learning_rate` must be"):
        model.compile(optimizer=optimizers.get({"class_name": "RMSprop", "config": {"learning_rate": "fast"}}),
                      loss="mse")
    assert model.optimizer is None


# ---------------------------------------------------------------- tf.keras 2.11's optimizer arguments
@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.AdamW, optimizers.RMSprop,
                                 optimizers.Adagrad, optimizers.Adadelta, optimizers.Adamax, optimizers.Nadam,
                                 optimizers.Lion, optimizers.Ftrl, optimizers.Adafactor])
def test_every_optimizer_takes_the_2_11_arguments_silently(backend, cls, recwarn, caplog):
    opt = cls(weight_decay=0.01, clipnorm=1.0, clipvalue=0.5, use_ema=False, ema_momentum=0.9,
              ema_overwrite_frequency=None, jit_compile=True)
    sgd_steps(opt, [[1.0, 1.0]])
    assert opt.weight_decay == 0.01 and opt.jit_compile is True and opt.clipvalue == 0.5
    assert not recwarn.list and not caplog.records  # jit_compile is accepted without a warning


def test_weight_decay_on_an_optimizer_without_a_fused_decay(backend):
    # Adagrad decays through its own pass first: w - w * wd * lr, then the Adagrad step.
    opt = optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.0, weight_decay=0.5)
    got = sgd_steps(opt, [[1.0, 2.0]])
    w = np.array([1.0, 2.0]) * (1 - 0.05)
    np.testing.assert_allclose(got, w - 0.1 * np.array([1.0, 2.0]) / np.abs([1.0, 2.0]), rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"weight_decay": -0.1}, ValueError, "Optimizer SGD: Expected weight_decay >= 0, received: -0.1."),
    ({"weight_decay": "0.1"}, TypeError, r"Optimizer SGD: `weight_decay` must be a non-negative number. "
                                         r"Received: weight_decay='0.1' \(of type str\)."),
    ({"use_ema": 1}, TypeError, r"Optimizer SGD: `use_ema` must be a bool. Received: use_ema=1 \(of type int\)."),
    ({"jit_compile": "yes"}, TypeError, "Optimizer SGD: `jit_compile` must be a bool."),
    ({"ema_momentum": 1.5}, ValueError, r"Optimizer SGD: `ema_momentum` must be between \[0, 1\]. "
                                        r"Received: ema_momentum=1.5."),
    ({"ema_overwrite_frequency": 0}, ValueError, "Optimizer SGD: `ema_overwrite_frequency` must be None or a "
                                                "positive integer. Received: ema_overwrite_frequency=0"),
])
def test_bad_2_11_arguments_are_refused_in_the_constructor(backend, kwargs, error, message):
    with pytest.raises(error, match=message):
        optimizers.SGD(**kwargs)


@pytest.mark.parametrize("make, error, message", [
    (lambda: optimizers.AdamW(weight_decay=None), ValueError,
     "Optimizer AdamW: missing value of `weight_decay`, which is required"),
    (lambda: optimizers.AdamW(beta_1=1.5), ValueError, r"Optimizer AdamW: `beta_1` must be between \[0, 1\]"),
    (lambda: optimizers.AdamW(learning_rate=None), TypeError, "Optimizer AdamW: `learning_rate` must be"),
    (lambda: optimizers.Lion(beta_1=0.0), ValueError,
     r"Optimizer Lion: `beta_1`=0.0 must be between \]0, 1\]. Otherwise, the optimizer degenerates to SignSGD."),
    (lambda: optimizers.Lion(beta_2=-1), ValueError, r"Optimizer Lion: `beta_2` must be between \[0, 1\]"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), ValueError,
     "Optimizer Ftrl: `learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.5."),
    (lambda: optimizers.Ftrl(learning_rate_power="a"), TypeError,
     "Optimizer Ftrl: `learning_rate_power` must be a number. Received: learning_rate_power='a'."),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), ValueError,
     "Optimizer Ftrl: Expected initial_accumulator_value >= 0, received: -1.0."),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), ValueError,
     "Optimizer Ftrl: Expected l1_regularization_strength >= 0"),
    (lambda: optimizers.Ftrl(beta=None), TypeError, "Optimizer Ftrl: `beta` must be a non-negative number."),
    (lambda: optimizers.Adafactor(beta_2_decay="x"), TypeError,
     "Optimizer Adafactor: `beta_2_decay` must be a number. Received: beta_2_decay='x'."),
    (lambda: optimizers.Adafactor(clip_threshold=0), ValueError,
     r"Optimizer Adafactor: `clip_threshold` must be positive \(the update's RMS is divided by it\)"),
    (lambda: optimizers.Adafactor(epsilon_2=-1.0), ValueError, "Optimizer Adafactor: Expected epsilon_2 >= 0"),
    (lambda: optimizers.Adafactor(relative_step=1), TypeError,
     "Optimizer Adafactor: `relative_step` must be a bool. Received: relative_step=1."),
    (lambda: optimizers.Lion(decay=0.01), ValueError,
     r"decay is deprecated in the new Keras optimizer, please check the docstring for valid arguments, or "
     r"use the legacy optimizer, e.g., tf.keras.optimizers.legacy.Lion."),
    (lambda: optimizers.AdamW(decay=0.01), ValueError, r"e.g., tf.keras.optimizers.legacy.AdamW."),
], ids=["adamw-no-decay", "adamw-beta", "adamw-lr", "lion-beta1", "lion-beta2", "ftrl-power-sign",
        "ftrl-power-type", "ftrl-accumulator", "ftrl-l1", "ftrl-beta", "adafactor-decay", "adafactor-clip",
        "adafactor-epsilon", "adafactor-relative", "lion-legacy-decay", "adamw-legacy-decay"])
def test_new_optimizers_check_their_hyperparameters(backend, make, error, message):
    with pytest.raises(error, match=message):
        make()
