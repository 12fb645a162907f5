"""`layer_test`: the checks every layer gets, in the spirit of Keras's `test_utils.layer_test`."""
import json

import numpy as np

from kerasx import GradientTape, ops
from kerasx import layers as layers_module
from kerasx.autodiff.tensor import as_tensor


def layer_test(layer_cls, kwargs=None, input_data=None, reference_fn=None, expected_output=None,
               expected_weights=None, call_kwargs=None, rtol=1e-5, atol=1e-6, check_training=True):
    """Builds `layer_cls(**kwargs)`, calls it eagerly on `input_data` and checks:

    - the output against `reference_fn(input_data, weights)` (NumPy, weights in `layer.weights`
      order) or `expected_output`;
    - float32 output, and shape equal to `compute_output_shape` (known and unknown batch) and to the
      shape a symbolic `Input` call infers;
    - `expected_weights`: [(name, shape), ...] in order, named "<layer>/<name>:0";
    - get_config is JSON-serializable and round-trips (from_config and layers.deserialize) to a layer
      that, given the same weights, gives the same output and the same config;
    - one training step: finite, non-zero gradients whose small step lowers mean(y**2).

    Returns the layer and its output (NumPy)."""
    kwargs = dict(kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    x = np.asarray(input_data)
    layer = layer_cls(**kwargs)
    out = layer(x, **call_kwargs)
    y = out.numpy()

    assert out.dtype == "float32", f"{layer_cls.__name__} returned {out.dtype}, expected float32"
    weights = [w.numpy() for w in layer.weights]
    if reference_fn is not None:
        expected_output = reference_fn(x, weights)
    if expected_output is not None:
        np.testing.assert_allclose(y, expected_output, rtol=rtol, atol=atol)

    assert tuple(layer.compute_output_shape(x.shape)) == y.shape
    unknown_batch = layer.compute_output_shape((None,) + x.shape[1:])
    assert tuple(unknown_batch) == (None,) + y.shape[1:]

    if expected_weights is not None:
        assert [(w.name, w.shape) for w in layer.weights] == \
            [(f"{layer.name}/{name}:0", tuple(shape)) for name, shape in expected_weights]
        assert all(w.dtype == "float32" for w in layer.weights)

    config = layer.get_config()
    config_json = json.loads(json.dumps(config))
    for rebuilt in (layer_cls.from_config(config_json),
                    layers_module.deserialize(json.loads(json.dumps(layers_module.serialize(layer))))):
        assert type(rebuilt) is layer_cls
        rebuilt(x, **call_kwargs)
        rebuilt.set_weights(layer.get_weights())
        np.testing.assert_allclose(rebuilt(x, **call_kwargs).numpy(), y, rtol=1e-6, atol=1e-7)
        assert json.loads(json.dumps(rebuilt.get_config())) == config_json

    symbolic = layer_cls.from_config(config_json)
    kx = layers_module.Input(shape=x.shape[1:])
    assert tuple(symbolic(kx).shape) == (None,) + y.shape[1:]

    if check_training:
        _check_training_step(layer, x, call_kwargs)
    return layer, y


def _loss(layer, x, call_kwargs):
    out = layer(x, **call_kwargs)
    return ops.mean(ops.square(out))


def _check_training_step(layer, x, call_kwargs):
    params = layer.trainable_weights
    if not params:
        # A layer without weights must still pass gradients through to its input.
        xt = as_tensor(x.astype("float32"))
        with GradientTape() as tape:
            tape.watch(xt)
            loss = _loss(layer, xt, call_kwargs)
        g = tape.gradient(loss, xt).numpy()
        assert np.all(np.isfinite(g)) and np.any(g != 0)
        return
    with GradientTape() as tape:
        loss = _loss(layer, x, call_kwargs)
    grads = [g.numpy() for g in tape.gradient(loss, params)]
    assert all(g.shape == p.shape and g.dtype == np.float32 for g, p in zip(grads, params))
    assert all(np.all(np.isfinite(g)) for g in grads)
    squared = sum(float(np.sum(np.square(g.astype("float64")))) for g in grads)
    assert squared > 0, "every gradient is zero"
    # A step that should lower the loss by about 1% to first order.
    lr = 0.01 * float(loss) / squared
    for p, g in zip(params, grads):
        p.assign((p.numpy() - lr * g).astype(p.dtype))
    assert float(_loss(layer, x, call_kwargs)) < float(loss)
