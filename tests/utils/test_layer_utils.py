"""`get_source_inputs` on functional graphs and `warmstart_embedding_matrix` against hand-built matrices."""
import numpy as np
import pytest

import kerasx
from kerasx.utils import get_source_inputs, warmstart_embedding_matrix


def test_get_source_inputs_of_a_diamond_and_two_inputs():
    a, b = kerasx.Input((3,), name="a"), kerasx.Input((3,), name="b")
    d = kerasx.layers.Dense(2)(a)
    e = kerasx.layers.Add()([d, kerasx.layers.Dense(2)(b)])
    out = kerasx.layers.Concatenate()([e, d])
    sources = kerasx.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert get_source_inputs(a) == [a]
    assert get_source_inputs(kerasx.layers.Dense(1)(b))[0] is b
    model = kerasx.Model(get_source_inputs(out), out)  # tf.keras's use: the inputs of a graph
    assert model.predict([np.ones((2, 3)), np.ones((2, 3))], verbose=0).shape == (2, 4)


def test_get_source_inputs_of_a_plain_value_is_the_value():
    x = np.ones(3)
    assert get_source_inputs(x) is x


def test_get_source_inputs_of_a_deep_chain():
    x = inp = kerasx.Input((2,))
    for _ in range(1500):  # deeper than Python's recursion limit: the walk is iterative
        x = kerasx.layers.Activation("linear")(x)
    assert get_source_inputs(x) == [inp]


def test_warmstart_embedding_matrix_documented_example(backend):
    base = np.arange(12.0).reshape(4, 3)
    new = -np.arange(21.0).reshape(7, 3)
    out = kerasx.utils.warmstart_embedding_matrix(
        ["unk", "a", "b", "c"], ["unk", "unk", "a", "b", "c", "d", "e"], base,
        new_embeddings_initializer=kerasx.initializers.Constant(new))
    assert isinstance(out, kerasx.Tensor) and out.dtype == "float64" and tuple(out.shape) == (7, 3)
    # Known terms keep their base rows ("unk" both times); "d" and "e" keep the initializer's rows 5, 6.
    np.testing.assert_array_equal(out.numpy(), np.stack([base[0], base[0], base[1], base[2], base[3], new[5],
                                                         new[6]]))


def test_warmstart_from_vocabulary_files_and_a_random_initializer(tmp_path, backend):
    (tmp_path / "old.txt").write_text("x\ny\n")
    (tmp_path / "new.txt").write_text("y\nz\nx\n")
    base = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    out = warmstart_embedding_matrix(str(tmp_path / "old.txt"), str(tmp_path / "new.txt"), base).numpy()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [3.0, 4.0])
    np.testing.assert_array_equal(out[2], [1.0, 2.0])
    assert np.all(np.abs(out[1]) <= 0.05)  # "uniform": RandomUniform(-0.05, 0.05)


def test_warmstart_errors(tmp_path):
    with pytest.raises(ValueError, match="Vocabulary file .*missing.txt does not exist"):
        warmstart_embedding_matrix(str(tmp_path / "missing.txt"), ["a"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="`new_vocabulary` is expected to be .* with at least one token. "
                                         "Received 0 instead."):
        warmstart_embedding_matrix(["a"], [], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="`base_vocabulary` is expected to be either a NumPy array, list, 1D "
                                         "tensor or a vocabulary text file. Instead type <class 'int'>"):
        warmstart_embedding_matrix(3, ["a"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"`base_embeddings` must be a matrix with one row per term of "
                                         r"`base_vocabulary` \(2\); received shape \(3, 2\)"):
        warmstart_embedding_matrix(["a", "b"], ["a"], np.zeros((3, 2)))
