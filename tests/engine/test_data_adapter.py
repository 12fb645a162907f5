"""Input handling for fit/evaluate/predict: arrays, generators, Sequences, Datasets; splits and
class weights; and the error messages tf.keras gives."""
import numpy as np
import pytest

from kerasx.autodiff.tensor import Tensor
from kerasx.data import Dataset
from kerasx.engine import data_adapter
from kerasx.engine.batching import (class_weight_to_sample_weight, pack_x_y_sample_weight,
                                    train_validation_split, unpack_x_y_sample_weight)
from kerasx.engine.data_adapter import single_batch
from kerasx.engine.data_handler import DataHandler
from kerasx.utils.data_utils import Sequence


def _run(handler):
    """Every batch of every epoch, as host arrays: {epoch: [batch, ...]}."""
    out = {}
    for epoch, iterator in handler.enumerate_epochs():
        batches = out.setdefault(epoch, [])
        with handler.catch_stop_iteration():
            for _ in handler.steps():
                batch = next(iterator)
                batches.append(tuple(t.numpy() if isinstance(t, Tensor) else t for t in batch)
                               if isinstance(batch, tuple) else batch.numpy())
    return out


def test_arrays_batches_default_32_and_float64_becomes_float32(backend):
    x = np.random.rand(70, 3)
    y = np.arange(70)
    handler = DataHandler(x, y)
    assert handler.inferred_steps == 3
    batches = _run(handler)[0]
    assert [len(b[1]) for b in batches] == [32, 32, 6]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == y.dtype
    np.testing.assert_allclose(np.concatenate([b[0] for b in batches]), x.astype("float32"))


def test_shuffle_reshuffles_every_epoch_and_follows_set_random_seed(backend):
    from kerasx.utils import set_random_seed
    x = np.arange(20, dtype="float32").reshape(20, 1)

    def orders():
        handler = DataHandler(x, np.arange(20), batch_size=5, epochs=2, shuffle=True)
        return [np.concatenate([b[1] for b in batches]) for batches in _run(handler).values()]
    set_random_seed(3)
    first = orders()
    set_random_seed(3)
    assert all((a == b).all() for a, b in zip(first, orders()))
    assert sorted(first[0]) == list(range(20)) and (first[0] != first[1]).any()


def test_shuffle_batch_keeps_neighbours_together(backend):
    handler = DataHandler(np.arange(12.0).reshape(12, 1), np.arange(12), batch_size=4, shuffle="batch")
    for batch in _run(handler)[0]:
        assert sorted(batch[1] // 4) == [batch[1][0] // 4] * 4


def test_host_sliced_path_when_data_is_large(backend, monkeypatch):
    monkeypatch.setattr(data_adapter, "_DEVICE_RESIDENT_BYTES", 0)
    handler = DataHandler(np.arange(10.0).reshape(10, 1), np.arange(10), batch_size=4, shuffle=True)
    batches = _run(handler)[0]
    labels = np.concatenate([b[1] for b in batches])
    assert sorted(labels) == list(range(10))
    np.testing.assert_allclose(np.concatenate([b[0] for b in batches])[:, 0], labels)


def test_multi_input_lists_and_dicts(backend):
    x = [np.zeros((6, 2)), np.ones((6, 3))]
    handler = DataHandler(x, {"out": np.arange(6)}, batch_size=4)
    batch = next(next(handler.enumerate_epochs())[1])
    xs, ys = batch
    assert isinstance(xs, tuple) and xs[1].shape == (4, 3) and set(ys) == {"out"}


def test_lists_of_scalars_are_arrays(backend):
    handler = DataHandler([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 1, 0], batch_size=2)
    batches = _run(handler)[0]
    assert batches[0][0].shape == (2, 2) and batches[1][1].tolist() == [0]


def test_steps_per_epoch_streams_across_epochs_for_arrays(backend):
    # 4 batches of data, 3 steps per epoch: epoch 2 continues where epoch 1 stopped.
    handler = DataHandler(np.arange(8.0).reshape(8, 1), np.arange(8), batch_size=2, epochs=2,
                          steps_per_epoch=3)
    runs = _run(handler)
    assert [b[1].tolist() for b in runs[0]] == [[0, 1], [2, 3], [4, 5]]
    assert [b[1].tolist() for b in runs[1]] == [[6, 7], [0, 1], [2, 3]]


def test_generator_infers_steps_after_first_epoch_then_runs_out(backend, caplog):
    def gen():
        for i in range(3):
            yield np.full((2, 1), i, dtype="float64"), np.array([i, i])
    handler = DataHandler(gen(), epochs=2)
    assert handler.inferred_steps is None
    runs = _run(handler)
    assert len(runs[0]) == 3 and handler.inferred_steps == 3
    assert runs[0][0][0].dtype == np.float32
    # The stream ran out exactly at the end of epoch 1: epoch 2 does not start (no epoch to log).
    assert list(runs) == [0]
    assert "Your input ran out of data; interrupting training." in caplog.text
    assert "(in this case, 6 batches)" in caplog.text


class _Seq(Sequence):
    def __init__(self):
        self.epochs_ended = 0

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return np.full((2, 1), float(i)), np.array([i, i])

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_every_epoch_and_on_epoch_end(backend):
    seq = _Seq()
    handler = DataHandler(seq, epochs=2, shuffle=True)
    runs = _run(handler)
    assert handler.inferred_steps == 3 and seq.epochs_ended == 2
    assert sorted(b[1][0] for b in runs[1]) == [0, 1, 2]


def test_dataset_steps_and_infinite_dataset(backend):
    x, y = np.random.rand(10, 2), np.arange(10)
    ds = Dataset.from_tensor_slices((x, y)).batch(4)
    handler = DataHandler(ds, epochs=2)
    assert handler.inferred_steps == 3
    runs = _run(handler)
    assert [len(b[1]) for b in runs[1]] == [4, 4, 2]
    repeated = DataHandler(ds.repeat(), epochs=2, steps_per_epoch=2)
    runs = _run(repeated)
    assert [b[1].tolist() for b in runs[1]] == [[8, 9], [0, 1, 2, 3]]


def test_infinite_dataset_without_steps_error(backend):
    ds = Dataset.from_tensor_slices(np.zeros(4)).batch(2).repeat()
    with pytest.raises(ValueError, match="When providing an infinite dataset, you must specify the number "
                                         "of steps to run"):
        DataHandler(ds)


@pytest.mark.parametrize("kind,name", [("dataset", "dataset"), ("generator", "python generator"),
                                       ("sequence", r"`keras.utils.Sequence`")])
def test_y_and_sample_weight_rejected_for_batch_sources(backend, kind, name):
    make = {"dataset": lambda: Dataset.from_tensor_slices(np.zeros(4)).batch(2),
            "generator": lambda: iter([np.zeros(2)]), "sequence": _Seq}[kind]
    with pytest.raises(ValueError, match=f"`y` argument is not supported when using {name} as input."):
        DataHandler(make(), np.zeros(4))
    with pytest.raises(ValueError, match=f"`sample_weight` argument is not supported when using {name} "
                                         "as input."):
        DataHandler(make(), sample_weight=np.zeros(4))


def test_cardinality_error_message(backend):
    with pytest.raises(ValueError) as info:
        DataHandler(np.zeros((5, 2)), np.zeros(4))
    assert str(info.value) == ("Data cardinality is ambiguous:\n  x sizes: 5\n  y sizes: 4\n"
                               "Make sure all arrays contain the same number of samples.")


def test_scalar_instead_of_an_array_error(backend):
    with pytest.raises(ValueError, match=r"`sample_weight` must be an array with one entry per sample; "
                                         r"received a scalar: sample_weight=array\(2.\)."):
        DataHandler(np.zeros((5, 2)), np.zeros(5), sample_weight=np.float64(2.0))
    with pytest.raises(ValueError, match=r"`y` must be an array with one entry per sample; received a "
                                         r"scalar: y=array\(1\)."):
        DataHandler(np.zeros((5, 2)), np.int64(1))


def test_unknown_input_error(backend):
    with pytest.raises(ValueError, match="Failed to find data adapter that can handle input: "
                                         "<class 'NoneType'>, <class 'NoneType'>"):
        DataHandler(None)
    with pytest.raises(ValueError, match="Failed to find data adapter that can handle input: "
                                         "<class 'object'>"):
        DataHandler(object())


def test_unpack_and_pack():
    assert unpack_x_y_sample_weight(1) == (1, None, None)
    assert unpack_x_y_sample_weight((1,)) == (1, None, None)
    assert unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert unpack_x_y_sample_weight((1, 2, 3)) == (1, 2, 3)
    with pytest.raises(ValueError, match=r"Data is expected to be in format `x`, `\(x,\)`, `\(x, y\)`, or "
                                         r"`\(x, y, sample_weight\)`, found: \(1, 2, 3, 4\)"):
        unpack_x_y_sample_weight((1, 2, 3, 4))
    assert pack_x_y_sample_weight(1) == 1
    assert pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert pack_x_y_sample_weight(1, 2) == (1, 2)
    assert pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)


def test_validation_split_takes_the_last_fraction():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    (tx, ty, tsw), (vx, vy, vsw) = train_validation_split((x, y, None), 0.2)
    assert ty.tolist() == list(range(8)) and vy.tolist() == [8, 9] and tsw is None and vsw is None


def test_validation_split_errors():
    gen = (i for i in range(3))
    with pytest.raises(ValueError, match=r"`validation_split` is only supported for Tensors or NumPy "
                                         r"arrays, found following types in the input: "
                                         r"\[<class 'generator'>\]"):
        train_validation_split((gen, None, None), 0.2)
    with pytest.raises(ValueError, match=r"Training data contains 2 samples, which is not sufficient to "
                                         r"split it into a validation and training set as specified by "
                                         r"`validation_split=0.6`"):
        train_validation_split((np.zeros(2), np.zeros(2), None), 0.6)


def test_class_weight_to_sample_weight():
    weights = {0: 1.0, 1: 3.0}
    np.testing.assert_allclose(class_weight_to_sample_weight(weights, np.array([0, 1, 1])), [1, 3, 3])
    onehot = np.eye(2)[[1, 0]]
    np.testing.assert_allclose(class_weight_to_sample_weight(weights, onehot, np.array([2.0, 2.0])), [6, 2])
    assert class_weight_to_sample_weight(weights, np.array([[1], [0]])).dtype == np.float32


def test_class_weight_errors():
    with pytest.raises(ValueError, match="Expected `class_weight` to be a dict with keys from 0 to one less "
                                         "than the number of classes, found {0: 1.0, 2: 1.0}"):
        class_weight_to_sample_weight({0: 1.0, 2: 1.0}, np.array([0]))
    with pytest.raises(ValueError, match="`class_weight` is only supported for Models with a single output."):
        class_weight_to_sample_weight({0: 1.0}, (np.array([0]), np.array([0])))
    with pytest.raises(ValueError, match="`class_weight` not supported for 3\\+ dimensional targets."):
        class_weight_to_sample_weight({0: 1.0}, np.zeros((1, 1, 1)))


def test_class_weight_applies_to_generator_batches(backend):
    gen = iter([(np.zeros((2, 1)), np.array([0, 1]))])
    handler = DataHandler(gen, class_weight={0: 0.5, 1: 2.0})
    x, y, sw = _run(handler)[0][0]
    np.testing.assert_allclose(sw, [0.5, 2.0])


def test_single_batch(backend):
    x, y, sw = single_batch(np.ones((3, 2)), np.arange(3), np.ones(3, dtype="float64"))
    assert x.shape == (3, 2) and x.dtype == "float32" and sw.dtype == "float32"
    assert single_batch(np.ones((3, 2))).shape == (3, 2)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        single_batch(np.ones((3, 2)), np.arange(2))


def test_device_tensors_are_used_in_place_and_cast_to_floatx(backend):
    from kerasx.autodiff.tensor import as_tensor
    x = as_tensor(np.arange(12, dtype="float64").reshape(6, 2))
    handler = DataHandler(x, as_tensor(np.arange(6)), batch_size=4)
    batches = _run(handler)[0]
    assert batches[0][0].dtype == np.float32 and batches[1][1].tolist() == [4, 5]
    raw = backend.asarray(np.ones((3, 2), dtype="float32"))
    assert single_batch(raw).shape == (3, 2)
