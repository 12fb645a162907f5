"""Higher-order gradients through real layers, as users write them: WGAN-GP's gradient penalty on a
critic built from Conv2D, LayerNormalization and Dense layers, a Hessian-vector product of a Keras loss,
and a gradient-penalty `train_step` under `fit`. Checked against float64 finite differences."""
import numpy as np

import kerasx as keras
from kerasx import layers, ops
from kerasx.autodiff import GradientTape, as_tensor, numeric_gradient


def _critic(dtype="float64"):
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((5, 5, 1), dtype=dtype),
        layers.Conv2D(2, 3, activation="relu", dtype=dtype),
        layers.Flatten(dtype=dtype),
        layers.LayerNormalization(dtype=dtype),
        layers.Dense(3, activation="tanh", dtype=dtype),
        layers.Dense(1, dtype=dtype),
    ])


def _interpolates(dtype="float64"):
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((3, 5, 5, 1)), rng.standard_normal((3, 5, 5, 1))
    alpha = rng.uniform(size=(3, 1, 1, 1))
    return as_tensor((alpha * real + (1 - alpha) * fake).astype(dtype))


def _penalty(critic, x_hat):
    with GradientTape() as gp_tape:
        gp_tape.watch(x_hat)
        pred = critic(x_hat, training=True)
    grads = gp_tape.gradient(pred, x_hat)
    norm = ops.sqrt(ops.sum(ops.square(grads), axis=[1, 2, 3]))
    return ops.mean(ops.square(norm - 1.0))


def test_wgan_gp_penalty_gradient_through_layers_matches_finite_differences(backend):
    critic, x_hat = _critic(), _interpolates()
    with GradientTape() as tape:
        penalty = _penalty(critic, x_hat)
    weights = critic.trainable_weights
    grads = tape.gradient(penalty, weights)
    # As tf: the last bias shifts D but not its gradient, so the penalty has none with respect to it.
    assert weights[-1].name == "dense_1/bias:0" and grads[-1] is None
    assert all(g is not None for g in grads[:-1])
    numeric = numeric_gradient(lambda: _penalty(critic, x_hat), weights[:-1])
    for w, got, want in zip(weights, grads, numeric):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-8, err_msg=w.name)


def test_hessian_vector_product_of_a_keras_loss_matches_finite_differences(backend):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((4,), dtype="float64"),
                              layers.Dense(6, activation="sigmoid", dtype="float64"),
                              layers.Dense(3, activation="softmax", dtype="float64")])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 4))
    y = rng.integers(0, 3, 8)
    weights = model.trainable_weights
    v = [as_tensor(rng.standard_normal(w.shape)) for w in weights]

    def gradient():
        with GradientTape() as tape:
            loss = loss_fn(y, model(x))
        return tape.gradient(loss, weights)

    with GradientTape() as outer:
        grads = gradient()
        g_dot_v = sum(ops.sum(g * vi) for g, vi in zip(grads, v))
    hvp = outer.gradient(g_dot_v, weights)

    eps = 1e-5
    base = [w.numpy() for w in weights]
    shifted = []
    for sign in (1.0, -1.0):
        for w, b0, vi in zip(weights, base, v):
            w.assign(b0 + sign * eps * vi.numpy())
        shifted.append([g.numpy() for g in gradient()])
    for w, b0 in zip(weights, base):
        w.assign(b0)
    for got, up, down in zip(hvp, *shifted):
        np.testing.assert_allclose(got.numpy(), (up - down) / (2 * eps), rtol=1e-5, atol=1e-8)


class _GradientPenaltyCritic(keras.Model):
    """A WGAN-GP critic's train_step: the Wasserstein estimate plus 10 times the penalty."""

    def train_step(self, data):
        real, fake = data
        alpha = as_tensor(np.full((real.shape[0], 1, 1, 1), 0.3, "float32"))
        x_hat = alpha * real + (1.0 - alpha) * fake
        with GradientTape() as tape:
            wasserstein = ops.mean(self(fake, training=True)) - ops.mean(self(real, training=True))
            gp = _penalty(self, x_hat)
            loss = wasserstein + 10.0 * gp
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return {"loss": loss, "gp": gp}


def _functional_critic():
    keras.utils.set_random_seed(7)
    inputs = keras.Input((5, 5, 1))
    x = layers.Conv2D(2, 3, activation="relu")(inputs)
    x = layers.Dense(1)(layers.Flatten()(x))
    return _GradientPenaltyCritic(inputs, x)


def test_a_gradient_penalty_train_step_under_fit_takes_the_nested_gradient(backend):
    rng = np.random.default_rng(8)
    real = rng.standard_normal((4, 5, 5, 1)).astype("float32")
    fake = rng.standard_normal((4, 5, 5, 1)).astype("float32")

    critic = _functional_critic()
    critic.compile(optimizer=keras.optimizers.SGD(0.01))
    before = [w.numpy() for w in critic.trainable_weights]
    history = critic.fit(real, fake, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", "gp"}

    # The same step by hand: the update is -lr times the nested tapes' gradient.
    manual = _functional_critic()
    alpha = np.float32(0.3)
    x_hat = as_tensor(alpha * real + (1 - alpha) * fake)
    with GradientTape() as tape:
        loss = (ops.mean(manual(as_tensor(fake), training=True)) - ops.mean(manual(as_tensor(real), training=True))
                + 10.0 * _penalty(manual, x_hat))
    grads = tape.gradient(loss, manual.trainable_weights)
    assert all(g is not None and g.dtype == "float32" for g in grads)
    for w, b0, g in zip(critic.trainable_weights, before, grads):
        np.testing.assert_allclose(w.numpy(), b0 - 0.01 * g.numpy(), rtol=1e-5, atol=1e-6)
    # The penalty's own gradient is part of the update: without it the step differs.
    assert any(np.abs(w.numpy() - b0).max() > 0 for w, b0 in zip(critic.trainable_weights, before))
