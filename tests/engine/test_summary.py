import numpy as np

import kerasx as keras
from kerasx import layers
from kerasx.engine.input_layer import Input
from kerasx.engine.model import Model
from kerasx.engine.sequential import Sequential

from tests.engine.engine_test_layers import Linear


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_sequential_summary_is_the_keras_table(backend):
    model = Sequential([Linear(64, input_shape=(32,)), Linear(10)])
    expected = "\n".join([
        'Model: "sequential"',
        "_" * 65,
        "Layer (type)                 Output Shape              Param #   ",
        "=" * 65,
        "linear (Linear)              (None, 64)                2112      ",
        "_" * 65,
        "linear_1 (Linear)            (None, 10)                650       ",
        "=" * 65,
        "Total params: 2,762",
        "Trainable params: 2,762",
        "Non-trainable params: 0",
        "_" * 65,
    ])
    assert _summary(model) == expected


def test_long_names_are_cut_like_keras(backend):
    model = Sequential([Linear(3, input_shape=(2,), name="max_pooling2d_1_long_name")])
    row = _summary(model).splitlines()[4]
    assert row.startswith("max_pooling2d_1_long_name (L (None, 3)")


def test_functional_chain_lists_the_input_layer(backend):
    inp = Input(shape=(32,))
    model = Model(inp, Linear(2)(inp))
    lines = _summary(model).splitlines()
    assert lines[4] == "input_1 (InputLayer)         [(None, 32)]              0         "
    assert lines[6] == "linear (Linear)              (None, 2)                 66        "


def test_branching_model_shows_connections(backend):
    a, b = Input(shape=(2,)), Input(shape=(2,))
    shared = Linear(2)
    model = Model([a, b], [shared(a), shared(b)])
    text = _summary(model)
    lines = text.splitlines()
    assert len(lines[1]) == 98 and lines[2].rstrip().endswith("Connected to")
    shared_row = [l for l in lines if l.startswith("linear (Linear)")][0]
    assert shared_row.rstrip().endswith("input_1[0][0]")
    assert any(l.rstrip().endswith("input_2[0][0]") and l.startswith(" ") for l in lines)


def test_subclassed_summary_says_multiple(backend):
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.d = Linear(2)
            self.unused = Linear(3)

        def call(self, x):
            return self.d(x)

    net = Net()
    net(np.ones((1, 4), dtype="float32"))
    text = _summary(net)
    assert "linear (Linear)              multiple                  10" in text
    assert "0 (unused)" in text


# The CNN of TensorFlow's "Convolutional Neural Network" tutorial, whose summary that page prints
# (trailing spaces included): the shapes, the cut "MaxPooling2" type and 93,322 parameters.
CNN_TUTORIAL_SUMMARY = [
    'Model: "sequential"',
    '_________________________________________________________________',
    'Layer (type)                 Output Shape              Param #   ',
    '=================================================================',
    'conv2d (Conv2D)              (None, 26, 26, 32)        320       ',
    '_________________________________________________________________',
    'max_pooling2d (MaxPooling2D) (None, 13, 13, 32)        0         ',
    '_________________________________________________________________',
    'conv2d_1 (Conv2D)            (None, 11, 11, 64)        18496     ',
    '_________________________________________________________________',
    'max_pooling2d_1 (MaxPooling2 (None, 5, 5, 64)          0         ',
    '_________________________________________________________________',
    'conv2d_2 (Conv2D)            (None, 3, 3, 64)          36928     ',
    '_________________________________________________________________',
    'flatten (Flatten)            (None, 576)               0         ',
    '_________________________________________________________________',
    'dense (Dense)                (None, 64)                36928     ',
    '_________________________________________________________________',
    'dense_1 (Dense)              (None, 10)                650       ',
    '=================================================================',
    'Total params: 93,322',
    'Trainable params: 93,322',
    'Non-trainable params: 0',
    '_________________________________________________________________',
]


def test_cnn_tutorial_summary_matches_tf_keras(backend):
    model = keras.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])
    printed = []
    model.summary(print_fn=printed.append)
    assert "\n".join(printed).split("\n") == CNN_TUTORIAL_SUMMARY
    assert model.count_params() == 93322
