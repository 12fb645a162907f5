"""The foundation issue's acceptance snippet, run as written (only the imports changed): a tf.keras user's
first model trains with Keras-style epoch lines and a falling loss, and stays float32 end to end."""
import re

import numpy as np

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed


def _data(n, seed):
    rng = np.random.default_rng(seed)
    data = rng.random((n, 32))  # float64, as `np.random.random` gives in the guide
    classes = (data[:, :10].argmax(axis=1))
    return data, keras.utils.to_categorical(classes, 10)


def _snippet(data, labels, val_data, val_labels):
    model = keras.Sequential([layers.Dense(64, activation='relu'), layers.Dense(64, activation='relu'),
                              layers.Dense(10, activation='softmax')])
    model.compile(optimizer=keras.optimizers.Adam(0.001),
                  loss='categorical_crossentropy', metrics=['accuracy'])
    history = model.fit(data, labels, epochs=10, batch_size=32, validation_data=(val_data, val_labels))
    return model, history


def test_guide_snippet_trains_with_keras_epoch_lines(backend, capsys):
    set_random_seed(0)
    data, labels = _data(1000, 0)
    val_data, val_labels = _data(100, 1)
    model, history = _snippet(data, labels, val_data, val_labels)
    out = capsys.readouterr().out

    assert [f"Epoch {i}/10" for i in range(1, 11)] == re.findall(r"Epoch \d+/10", out)
    # Not a terminal: one final line per epoch, no carriage-return spam of intermediate updates.
    epoch_line = re.compile(r"^32/32 \[=+\] - \d+s \d+(ms|us)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}"
                            r" - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$")
    lines = [line for line in out.splitlines() if line.startswith("32/32")]
    assert len(lines) == 10 and all(epoch_line.match(line) for line in lines), out
    assert "\r" not in out
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]


def test_default_training_keeps_weights_activations_and_gradients_float32(backend):
    set_random_seed(0)
    data, labels = _data(64, 0)
    model, _ = _snippet(data, labels, data[:8], labels[:8])
    # The optimizer's step counter is int64, as tf.keras's `iterations`; every float slot is float32.
    slots = [v for v in model.optimizer.variables() if v is not model.optimizer.iterations]
    assert model.optimizer.iterations.dtype == "int64" and slots
    dtypes = {w.dtype for w in model.weights} | {s.dtype for s in slots}
    h = data.astype("float32")
    with keras.GradientTape() as tape:
        for layer in model.layers:
            h = layer(h, training=True)
            dtypes.add(h.dtype)
        loss = model.compiled_loss(labels, h)
    dtypes.add(loss.dtype)
    dtypes |= {g.dtype for g in tape.gradient(loss, model.trainable_weights)}
    dtypes.add(model.predict(data, verbose=0).dtype.name)
    assert dtypes == {"float32"}


def test_guide_random_targets_keep_a_flat_loss(backend):
    # The guide's "Input NumPy data" run: random labels whose rows sum to about 5, not to 1. tf.keras's
    # printout stays near 11.5; the logits' gradient must be sum(y) softmax(z) - y for it not to diverge.
    set_random_seed(0)
    rng = np.random.default_rng(0)
    data, labels = rng.random((1000, 32)), rng.random((1000, 10))
    model = keras.Sequential([layers.Dense(64, activation='relu'), layers.Dense(64, activation='relu'),
                              layers.Dense(10, activation='softmax')])
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss=keras.losses.categorical_crossentropy,
                  metrics=[keras.metrics.categorical_accuracy])
    losses = model.fit(data, labels, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] < 1.2 * losses[0], losses
    # Inputs carry nothing about random targets: the loss settles at the best constant prediction's,
    # p = the labels' mean mass per class, instead of running away from it.
    p = labels.sum(0) / labels.sum()
    constant = np.mean(-np.sum(labels * np.log(p), -1))
    assert abs(losses[-1] - constant) < 0.1, (constant, losses)
