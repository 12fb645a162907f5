"""The strict-device test backend: its arrays refuse every implicit trip to the host, its kernels refuse
Tensors, host arrays and lists with the kernel's name, its transfers are counted, and it computes what
the NumPy backend computes. These tests run on `strict` whatever the run's host backend is."""
import copy
import operator
import pickle
import re
import weakref

import numpy as np
import pytest

import backends
from backends.strict_array import ImplicitHostTransferError, StrictArray
from backends.strict_backend import StrictBackend, StrictDeviceError


@pytest.fixture
def strict():
    previous = backends.get()
    active = backends.set_backend("strict")
    yield active
    backends.set_backend(previous)


@pytest.fixture
def x(strict):
    return strict.asarray(np.arange(6, dtype="float32").reshape(2, 3))


def test_selected_by_name_and_environment(monkeypatch):
    assert isinstance(backends.make("strict"), StrictBackend)
    assert "strict" in backends.available()
    monkeypatch.setenv("KERAS_BACKEND", "strict")
    assert backends.default_name() == "strict"


# ---------------------------------------------------------------- the array boundary
IMPLICIT = {
    "np.asarray": lambda a: np.asarray(a),
    "np.array": lambda a: np.array(a),
    "__array__": lambda a: a.__array__(),
    "float": lambda a: float(a[0, 0]),
    "int": lambda a: int(a[0, 0]),
    "bool": lambda a: bool(a[0, 0]),
    "if": lambda a: 1 if a[0, 0] else 0,
    "index": lambda a: [1, 2, 3][a[0, 0]],
    "item": lambda a: a.item(),
    "tolist": lambda a: a.tolist(),
    "tobytes": lambda a: a.tobytes(),
    "iter": lambda a: list(a),
    "in": lambda a: 1.0 in a,
    "np.sum": lambda a: np.sum(a),
    "np.concatenate": lambda a: np.concatenate([a, a]),
    "pickle": lambda a: pickle.dumps(a),
}


@pytest.mark.parametrize("how", sorted(IMPLICIT))
def test_implicit_host_conversion_raises(x, how):
    with pytest.raises(TypeError, match="implicit device-to-host transfers are not allowed"):
        IMPLICIT[how](x)


def test_a_numpy_ufunc_on_a_device_array_raises(x):
    # NumPy sees __array_ufunc__ = None and gives up; CuPy raises likewise on a host ufunc of device data.
    with pytest.raises(TypeError):
        np.exp(x)


@pytest.mark.parametrize("op", [operator.add, operator.mul, operator.lt, operator.eq, operator.iadd])
@pytest.mark.parametrize("host", [np.ones(3, "float32"), [1.0, 2.0, 3.0], np.ones((), "float32")],
                         ids=["ndarray", "list", "0-d ndarray"])
def test_mixing_host_data_with_a_device_array_raises(x, op, host):
    with pytest.raises(ImplicitHostTransferError, match=r"unsupported operand of type (numpy\.ndarray|list)"):
        op(x, host)
    if op is not operator.iadd:
        with pytest.raises(TypeError):
            op(host, x)


def test_scalars_mix_and_results_stay_on_the_device(strict, x):
    for y in (x + 1, 2.0 * x, x * np.float32(2), x ** 2, -x, abs(x), x > 1, x @ x.T):
        assert isinstance(y, StrictArray)
    # Reductions and scalar indexing give 0-d device arrays, as CuPy's do, not NumPy scalars.
    assert isinstance(strict.sum(x), StrictArray) and strict.sum(x).shape == ()
    assert isinstance(x[1, 2], StrictArray) and isinstance(x.max(), StrictArray)
    assert float(strict.to_numpy(strict.sum(x))) == 15.0


def test_ufuncs_of_the_array_module_refuse_lists_and_host_arrays(strict, x):
    xp = strict.xp
    with pytest.raises(ImplicitHostTransferError, match="xp.maximum"):
        xp.maximum(x, [0.0, 1.0, 2.0])
    with pytest.raises(ImplicitHostTransferError, match="xp.where"):
        xp.where(x > 1, x, np.zeros((2, 3), "float32"))
    with pytest.raises(ImplicitHostTransferError, match="xp.concatenate"):
        xp.concatenate([x, np.zeros((2, 3), "float32")])
    assert isinstance(xp.maximum(x, 0), StrictArray)


def test_indexing_takes_device_index_arrays_only(strict, x):
    idx = strict.asarray(np.array([1, 0]))
    np.testing.assert_array_equal(strict.to_numpy(x[idx]), [[3, 4, 5], [0, 1, 2]])
    with pytest.raises(ImplicitHostTransferError, match="indexing a device array with list"):
        x[[1, 0]]
    with pytest.raises(ImplicitHostTransferError, match="indexing a device array with numpy.ndarray"):
        x[np.array([1, 0])]
    with pytest.raises(ImplicitHostTransferError, match="item assignment"):
        x[0] = np.zeros(3, "float32")


def test_metadata_and_repr_need_no_transfer(strict, x):
    with strict.transfers.counting() as moved:
        assert x.shape == (2, 3) and x.dtype == np.float32 and x.ndim == 2 and x.size == 6 and len(x) == 2
        assert repr(x) == "StrictArray(shape=(2, 3), dtype=float32)" and str(x) == repr(x)
    assert moved == {"to_host": 0, "to_device": 0}


def test_identity_and_in_place_semantics_match_numpy(strict, x):
    assert strict.cast(x, "float32") is x and strict.asarray(x) is x
    out = strict.zeros((2, 3), "float32")
    assert strict.xp.add(x, 1.0, out=out) is out
    view = x.reshape(-1)
    view += 1.0  # writes through the view into x, as on NumPy and CuPy
    assert strict.to_numpy(x)[0, 0] == 1.0
    assert weakref.ref(x)() is x
    clone = copy.deepcopy(x)
    clone += 1.0
    assert strict.to_numpy(x)[0, 0] == 1.0


def test_host_data_is_copied_to_the_device(strict):
    # cupy.asarray never shares memory with the host array; code that relies on NumPy's no-copy
    # asarray (a Variable aliasing the caller's array) must fail here as it would on a GPU.
    host = np.zeros(3, "float32")
    dev = strict.asarray(host)
    host[0] = 5.0
    assert strict.to_numpy(dev)[0] == 0.0
    back = strict.to_numpy(dev)
    back[1] = 7.0
    assert strict.to_numpy(dev)[1] == 0.0


# ---------------------------------------------------------------- the kernels' argument checks
class FakeTensor:
    """Stands in for kerasx's Tensor: any array-like that is not a device array."""

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3, "float32")


@pytest.mark.parametrize("bad, name", [
    (np.ones(3, "float32"), "numpy.ndarray"),
    ([1.0, 2.0, 3.0], "list"),
    (FakeTensor(), "FakeTensor"),
])
def test_kernels_refuse_host_data_naming_kernel_argument_type_and_caller(strict, bad, name):
    a = strict.ones((3,), "float32")
    with pytest.raises(StrictDeviceError) as info:
        strict.add(a, bad)
    message = str(info.value)
    assert f"kernel 'add' of the strict-device backend expects a device array for 'b', received a" in message
    assert name in message
    assert re.search(r"called from tests/backends/test_strict_backend\.py:\d+ in "
                     r"test_kernels_refuse_host_data_naming_kernel_argument_type_and_caller", message)


def test_sequence_kernels_refuse_a_list_holding_a_tensor(strict):
    a = strict.ones((3,), "float32")
    with pytest.raises(StrictDeviceError, match=r"kernel 'concatenate' .* for 'xs', received a list holding "
                                                r"a .*FakeTensor"):
        strict.concatenate([a, FakeTensor()], 0)
    with pytest.raises(StrictDeviceError, match=r"kernel 'stack' .* for 'xs', received a numpy\.ndarray"):
        strict.stack(np.ones((2, 3)), 0)


def test_static_arguments_refuse_hidden_host_arrays(strict):
    a = strict.ones((3,), "float32")
    with pytest.raises(StrictDeviceError, match=r"kernel 'getitem' .* for 'key', received a numpy\.ndarray"):
        strict.getitem(a, (np.array([0, 1]),))
    with pytest.raises(StrictDeviceError, match=r"kernel 'reshape' .* for 'shape'"):
        strict.reshape(a, FakeTensor())


def test_asarray_takes_host_data_but_not_tensors(strict):
    assert isinstance(strict.asarray([[1.0, 2.0]]), StrictArray)
    assert isinstance(strict.asarray(np.float32(1.0)), StrictArray)
    with pytest.raises(StrictDeviceError, match=r"kernel 'asarray' .* received a .*FakeTensor"):
        strict.asarray(FakeTensor())
    with pytest.raises(StrictDeviceError, match=r"received a list holding a .*FakeTensor"):
        strict.asarray([FakeTensor()])
    with pytest.raises(StrictDeviceError, match=r"kernel 'to_numpy' .* received a numpy\.ndarray"):
        strict.to_numpy(np.zeros(3))


def test_kernel_checks_happen_before_any_write(strict):
    var = strict.ones((3,), "float32")
    with pytest.raises(StrictDeviceError):
        strict.sgd_update(var, np.ones(3, "float32"), None, 0.1, 0.0, False)
    np.testing.assert_array_equal(strict.to_numpy(var), [1.0, 1.0, 1.0])


# ---------------------------------------------------------------- counting
def test_every_explicit_transfer_is_counted(strict):
    counts = strict.transfers
    with counts.counting() as moved:
        a = strict.asarray(np.ones(4, "float32"))  # host to device
        b = strict.multiply(a, 2.0)  # on the device
        strict.to_numpy(b)  # device to host
        strict.to_numpy(strict.sum(b))
        strict.asarray(a)  # already on the device: no copy
    assert moved == {"to_host": 2, "to_device": 1}


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_every_backend_counts_its_transfers(name):
    b = backends.make(name)
    with b.transfers.counting() as moved:
        b.to_numpy(b.asarray([1.0, 2.0]))
    assert moved == {"to_host": 1, "to_device": 1}


# ---------------------------------------------------------------- same values as NumPy
def test_computes_what_the_numpy_backend_computes(strict):
    reference = backends.make("numpy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    k = rng.standard_normal((3, 3, 3, 4)).astype("float32")
    results = []
    for b in (reference, strict):
        y = b.conv(b.asarray(x), b.asarray(k), (1, 1), ((1, 1), (1, 1)), (1, 1), relu=True)
        pooled = b.max_pool(y, (2, 2), (2, 2), "valid")
        results.append(b.to_numpy(b.softmax(b.reshape(pooled, (2, -1)))))
    np.testing.assert_array_equal(results[0], results[1])
