"""Keras 2's module import paths (`from keras.layers.convolutional import Conv2D`, ...) give the very
classes of `kerasx.layers`; SimpleRNN/LSTM/GRU accept `implementation=`; StackedRNNCells accepts
`reverse_state_order=`."""
import importlib

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

PATHS = {
    "convolutional": ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
                      "SeparableConv2D", "DepthwiseConv2D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
                      "UpSampling1D", "UpSampling2D", "UpSampling3D", "Cropping1D", "Cropping2D", "Cropping3D",
                      "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                      "AveragePooling3D", "Convolution2D", "SeparableConvolution2D", "Convolution2DTranspose"],
    "core": ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
             "ActivityRegularization", "Masking", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"],
    "recurrent": ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"],
    "normalization": ["BatchNormalization"],
    "wrappers": ["Wrapper", "TimeDistributed", "Bidirectional"],
    "pooling": ["MaxPooling2D", "AveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "MaxPool2D"],
    "merge": ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "add",
              "concatenate", "dot"],
    "embeddings": ["Embedding"],
    "advanced_activations": ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"],
    "noise": ["GaussianNoise", "GaussianDropout", "AlphaDropout"],
    "convolutional_recurrent": ["ConvLSTM2D"],
    "local": ["LocallyConnected1D", "LocallyConnected2D"],
    "dense_attention": ["Attention", "AdditiveAttention"],
    "multi_head_attention": ["MultiHeadAttention"],
    "einsum_dense": ["EinsumDense"],
}


@pytest.mark.parametrize("module", sorted(PATHS))
def test_keras2_module_paths_are_the_same_objects(module):
    mod = importlib.import_module(f"kerasx.layers.{module}")
    for name in PATHS[module]:
        assert getattr(mod, name) is getattr(layers, name), f"kerasx.layers.{module}.{name}"


def test_published_code_importing_the_old_way_builds_and_trains():
    from kerasx.layers.convolutional import (Conv2D, Conv2DTranspose, Cropping2D, MaxPooling2D, UpSampling2D,
                                             ZeroPadding2D)
    from kerasx.layers.convolutional import Deconvolution2D
    from kerasx.layers.core import Dense, Flatten
    assert Deconvolution2D is layers.Conv2DTranspose
    model = keras.Sequential([keras.Input((8, 8, 1)), ZeroPadding2D(1), Conv2D(2, 3), MaxPooling2D(),
                              UpSampling2D(), Conv2DTranspose(2, 3), Cropping2D(1), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((4, 8, 8, 1), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_rnn_layers_accept_implementation():
    with pytest.warns(UserWarning, match="The `implementation` argument in `SimpleRNN` has been deprecated"):
        simple = layers.SimpleRNN(3, implementation=1)
    assert "implementation" not in simple.get_config()
    x = np.ones((2, 4, 2), "float32")
    for cls in (layers.LSTM, layers.GRU):
        one, two = cls(3, implementation=1), cls(3, implementation=2)
        one(x)
        two(x)
        two.set_weights(one.get_weights())
        assert one.get_config()["implementation"] == 1
        np.testing.assert_allclose(one(x).numpy(), two(x).numpy(), rtol=1e-6)


def test_stacked_cells_reverse_state_order():
    x = np.random.default_rng(0).standard_normal((2, 3, 2)).astype("float32")
    natural = layers.RNN(layers.StackedRNNCells([layers.SimpleRNNCell(3), layers.LSTMCell(4)]), return_state=True)
    with pytest.warns(UserWarning, match="reverse_state_order=True in StackedRNNCells will soon be deprecated"):
        cells = layers.StackedRNNCells([layers.SimpleRNNCell(3), layers.LSTMCell(4)], reverse_state_order=True)
    assert cells.state_size == [[4, 4], 3]
    reversed_ = layers.RNN(cells, return_state=True)
    out_n, h_simple, h_lstm, c_lstm = natural(x)
    reversed_(x)
    reversed_.set_weights(natural.get_weights())
    out_r, r_h_lstm, r_c_lstm, r_h_simple = reversed_(x)
    np.testing.assert_allclose(out_r.numpy(), out_n.numpy(), rtol=1e-6)
    np.testing.assert_allclose(r_h_simple.numpy(), h_simple.numpy(), rtol=1e-6)
    np.testing.assert_allclose(r_c_lstm.numpy(), c_lstm.numpy(), rtol=1e-6)
    # Initial states in the reversed layout go to the right cells.
    init = [np.full((2, 4), 0.5, "float32"), np.full((2, 4), -0.5, "float32"), np.full((2, 3), 0.2, "float32")]
    np.testing.assert_allclose(reversed_(x, initial_state=init)[0].numpy(),
                               natural(x, initial_state=[init[2], init[0], init[1]])[0].numpy(), rtol=1e-6)
    config = cells.get_config()
    assert config["reverse_state_order"] is True
    with pytest.warns(UserWarning, match="reverse_state_order=True"):
        assert layers.StackedRNNCells.from_config(config).reverse_state_order
    assert "reverse_state_order" not in natural.cell.get_config()
