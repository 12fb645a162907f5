"""`kerasx.data.Dataset`: elements, transformations and cardinalities as tf.data gives them."""
import numpy as np
import pytest

from kerasx.autodiff.tensor import Tensor
from kerasx.data import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, TensorSpec, experimental


def _xy(n=10):
    x = np.arange(n * 2, dtype="float64").reshape(n, 2)
    y = np.arange(n)
    return x, y


def test_from_tensor_slices_tuple_elements(backend):
    x, y = _xy(3)
    elements = list(Dataset.from_tensor_slices((x, y)).as_numpy_iterator())
    assert len(elements) == 3
    np.testing.assert_array_equal(elements[1][0], x[1])
    assert elements[1][1] == 1


def test_iterating_gives_tensors(backend):
    x, y = _xy(3)
    first = next(iter(Dataset.from_tensor_slices((x, y))))
    assert isinstance(first[0], Tensor) and first[0].shape == (2,)
    # tf.data keeps the arrays' dtypes; floatx conversion happens when `fit` feeds the model.
    assert first[0].dtype == "float64"


def test_from_tensor_slices_dict_and_list():
    d = Dataset.from_tensor_slices({"a": np.zeros((4, 3)), "b": np.ones(4)})
    element = next(d.as_numpy_iterator())
    assert set(element) == {"a", "b"} and element["a"].shape == (3,)
    # A list is one tensor (stacked), as in tf.data.
    assert [int(e) for e in Dataset.from_tensor_slices([5, 6, 7]).as_numpy_iterator()] == [5, 6, 7]


def test_from_tensor_slices_mismatched_sizes_error():
    with pytest.raises(ValueError, match="same size in their first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_batch_and_drop_remainder():
    x, y = _xy(10)
    batches = list(Dataset.from_tensor_slices((x, y)).batch(4).as_numpy_iterator())
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2)
    dropped = Dataset.from_tensor_slices((x, y)).batch(4, drop_remainder=True)
    assert len(list(dropped.as_numpy_iterator())) == 2
    assert len(dropped) == 2


def test_batch_of_mapped_elements_stacks(backend):
    x, y = _xy(5)
    d = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b)).batch(2)
    batches = list(d.as_numpy_iterator())
    np.testing.assert_allclose(batches[0][0], x[:2] * 2)
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]


def test_shuffle_is_a_permutation_and_reshuffles_each_iteration():
    d = Dataset.from_tensor_slices(np.arange(50)).shuffle(50, seed=3)
    first = [int(v) for v in d.as_numpy_iterator()]
    second = [int(v) for v in d.as_numpy_iterator()]
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != list(range(50)) and first != second


def test_shuffle_seeded_is_reproducible_and_fixed_without_reshuffle():
    make = lambda: Dataset.from_tensor_slices(np.arange(20)).shuffle(5, seed=7)
    assert [int(v) for v in make().as_numpy_iterator()] == [int(v) for v in make().as_numpy_iterator()]
    fixed = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert list(fixed.as_numpy_iterator()) == list(fixed.as_numpy_iterator())


def test_small_buffer_shuffle_keeps_every_element_batched():
    d = Dataset.from_tensor_slices(np.arange(30)).shuffle(4, seed=0).batch(7)
    values = np.concatenate(list(d.as_numpy_iterator()))
    assert sorted(values.tolist()) == list(range(30))
    # A buffer of 4 can only move an element a few places ahead.
    assert values[0] < 4


def test_shuffle_without_seed_follows_set_random_seed():
    from kerasx.utils import set_random_seed
    set_random_seed(11)
    a = [int(v) for v in Dataset.from_tensor_slices(np.arange(10)).shuffle(10).as_numpy_iterator()]
    set_random_seed(11)
    b = [int(v) for v in Dataset.from_tensor_slices(np.arange(10)).shuffle(10).as_numpy_iterator()]
    assert a == b


def test_repeat_take_skip():
    d = Dataset.from_tensor_slices(np.arange(3))
    assert [int(v) for v in d.repeat(2).as_numpy_iterator()] == [0, 1, 2, 0, 1, 2]
    assert [int(v) for v in d.repeat().take(7).as_numpy_iterator()] == [0, 1, 2, 0, 1, 2, 0]
    assert [int(v) for v in d.skip(1).as_numpy_iterator()] == [1, 2]
    assert [int(v) for v in d.take(-1).as_numpy_iterator()] == [0, 1, 2]
    batches = list(d.batch(2).repeat().take(3).as_numpy_iterator())
    assert [b.tolist() for b in batches] == [[0, 1], [2], [0, 1]]


def test_cardinality():
    x, y = _xy(10)
    d = Dataset.from_tensor_slices((x, y))
    assert int(d.cardinality()) == 10
    assert int(d.batch(3).cardinality()) == 4
    assert int(d.batch(3).repeat().cardinality()) == INFINITE_CARDINALITY == -1
    assert int(d.repeat(2).skip(5).take(4).cardinality()) == 4
    assert int(d.filter(lambda a, b: b > 2).cardinality()) == UNKNOWN_CARDINALITY == -2
    assert int(experimental.cardinality(d.shuffle(3))) == 10
    gen = Dataset.from_generator(lambda: iter([1, 2]), output_types="int64")
    assert int(gen.cardinality()) == UNKNOWN_CARDINALITY


def test_len_of_infinite_or_unknown_dataset_errors():
    d = Dataset.from_tensor_slices(np.arange(3))
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(d.repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(d.filter(lambda v: v > 0))


def test_from_tensors_single_element_and_prefetch_cache_pass_through():
    d = Dataset.from_tensors((np.zeros((4, 2)), np.ones(4))).prefetch(2).cache()
    elements = list(d.as_numpy_iterator())
    assert len(elements) == 1 and elements[0][0].shape == (4, 2)


def test_from_generator_is_restarted_each_iteration_and_cast():
    def gen():
        for i in range(3):
            yield np.full((2,), i, dtype="float64"), i
    d = Dataset.from_generator(gen, output_types=("float32", "int64"))
    first = list(d.as_numpy_iterator())
    assert len(first) == 3 and first[0][0].dtype == np.float32
    assert len(list(d.batch(2).as_numpy_iterator())) == 2


def test_filter_enumerate_zip_concatenate_range_unbatch(backend):
    r = Dataset.range(6)
    assert [int(v) for v in r.filter(lambda v: v % 2 == 0).as_numpy_iterator()] == [0, 2, 4]
    assert [(int(i), int(v)) for i, v in r.take(2).enumerate(1).as_numpy_iterator()] == [(1, 0), (2, 1)]
    z = Dataset.zip((Dataset.range(3), Dataset.range(10, 20)))
    assert [(int(a), int(b)) for a, b in z.as_numpy_iterator()] == [(0, 10), (1, 11), (2, 12)]
    assert int(z.cardinality()) == 3
    c = Dataset.range(2).concatenate(Dataset.range(5, 6))
    assert [int(v) for v in c.as_numpy_iterator()] == [0, 1, 5]
    assert [int(v) for v in Dataset.range(5).batch(2).unbatch().as_numpy_iterator()] == [0, 1, 2, 3, 4]


def test_bad_arguments_errors():
    d = Dataset.range(3)
    with pytest.raises(ValueError, match="`batch_size` must be greater than zero"):
        d.batch(0)
    with pytest.raises(ValueError, match="`buffer_size` must be greater than zero"):
        d.shuffle(0)
    with pytest.raises(TypeError, match="`map_func` must be callable"):
        d.map(3)


def test_a_user_subclass_does_not_replace_a_built_in_kind():
    class BatchDataset(Dataset):  # same name as kerasx's own batch transformation
        pass

    ds = Dataset.range(5).batch(2)
    assert type(ds).__module__ == "kerasx.data.transforms" and len(ds) == 3


# ---------------------------------------------------------------- element_spec
def _spec(shape, dtype):
    return TensorSpec(shape, dtype)


def test_element_spec_of_slices_and_after_batch():
    ds = Dataset.from_tensor_slices((np.zeros((10, 3), "float32"), np.arange(10)))
    assert ds.element_spec == (_spec((3,), "float32"), _spec((), "int64"))
    # The batch size may vary (a smaller last batch), so it is None, unless drop_remainder fixes it.
    assert ds.batch(4).element_spec == (_spec((None, 3), "float32"), _spec((None,), "int64"))
    assert ds.batch(4, drop_remainder=True).element_spec == (_spec((4, 3), "float32"), _spec((4,), "int64"))
    assert ds.batch(4).unbatch().element_spec == ds.element_spec
    assert ds.shuffle(4).repeat().take(3).skip(1).filter(lambda a, b: b > 2).element_spec == ds.element_spec
    assert repr(ds.batch(2).element_spec[0]) == "TensorSpec(shape=(None, 3), dtype=float32, name=None)"


def test_element_spec_of_map_follows_the_function_and_keeps_the_batch_dim_unknown():
    ds = Dataset.from_tensor_slices({"x": np.zeros((10, 2), "float32"), "y": np.arange(10)})
    mapped = ds.batch(4).map(lambda e: (e["x"], e["y"]))
    assert mapped.element_spec == (_spec((None, 2), "float32"), _spec((None,), "int64"))
    assert ds.element_spec == {"x": _spec((2,), "float32"), "y": _spec((), "int64")}


def test_element_spec_of_the_other_sources():
    assert Dataset.range(3).element_spec == _spec((), "int64")
    assert Dataset.range(3).enumerate().element_spec == (_spec((), "int64"), _spec((), "int64"))
    assert Dataset.from_tensors(np.zeros((2, 5), "float32")).element_spec == _spec((2, 5), "float32")
    assert Dataset.from_tensor_slices(["a", "bc"]).element_spec == _spec((), "string")
    zipped = Dataset.zip((Dataset.range(3), Dataset.from_tensor_slices(np.zeros((3, 2), "float32"))))
    assert zipped.element_spec == (_spec((), "int64"), _spec((2,), "float32"))
    both = Dataset.range(5).batch(2).concatenate(Dataset.range(4).batch(2, drop_remainder=True))
    assert both.element_spec == _spec((None,), "int64")


def test_element_spec_of_a_generator_comes_from_its_signature():
    signature = (TensorSpec(shape=(None, 2), dtype="float32"), TensorSpec(shape=(), dtype="int64"))
    ds = Dataset.from_generator(lambda: iter([]), output_signature=signature)
    assert ds.element_spec == signature
    typed = Dataset.from_generator(lambda: iter([]), output_types=("float32", "int64"),
                                   output_shapes=((None, 2), ()))
    assert typed.element_spec == signature
    # Without a signature (tf.data requires one) the first element tells.
    inferred = Dataset.from_generator(lambda: iter([(np.zeros(2, "float32"), 1)]))
    assert inferred.element_spec == (_spec((2,), "float32"), _spec((), "int64"))


def test_element_spec_errors():
    with pytest.raises(ValueError, match=r"The element_spec of <GeneratorDataset cardinality=-2> cannot be "
                                         r"known: its elements come from user code and it has none"):
        Dataset.from_generator(lambda: iter([])).element_spec
    with pytest.raises(ValueError, match=r"Cannot remove the first dimension of a scalar component "
                                         r"\(TensorSpec\(shape=\(\), dtype=int64, name=None\)\)"):
        Dataset.range(3).unbatch().element_spec
    with pytest.raises(TypeError, match=r"Incompatible dataset components: TensorSpec\(shape=\(\), "
                                        r"dtype=int64, name=None\) and TensorSpec\(shape=\(2,\), "
                                        r"dtype=float32, name=None\)"):
        Dataset.range(2).concatenate(Dataset.from_tensor_slices(np.zeros((2, 2), "float32"))).element_spec
