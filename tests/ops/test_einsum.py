"""`ops.einsum` (composed from transpose/reshape/sum/matmul) against NumPy's einsum, its gradients
against float64 finite differences, and its errors."""
import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff import gradcheck
from kerasx.autodiff.tensor import as_tensor

EQUATIONS = [
    ("abc,cde->abde", (2, 3, 4), (4, 2, 3)), ("abcd,cde->abe", (2, 3, 4, 2), (4, 2, 3)),
    ("aecd,abcd->acbe", (2, 5, 3, 4), (2, 6, 3, 4)), ("acbe,aecd->abcd", (2, 3, 6, 5), (2, 5, 3, 4)),
    ("...b,bc->...c", (2, 3, 4), (4, 5)), ("ab...,bc->ac...", (2, 3, 4, 5), (3, 6)),
    ("ij,jk->ik", (3, 4), (4, 2)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)), ("abc,ad->bd", (2, 3, 4), (2, 5)),
    ("ij,kj->ki", (3, 4), (5, 4)), ("bi,bi->b", (3, 4), (3, 4)), ("i,j->ij", (3,), (4,)),
    ("...ij,...jk->...ik", (2, 1, 3, 4), (3, 4, 2)),
]


@pytest.mark.parametrize("equation, sa, sb", EQUATIONS)
def test_einsum_matches_numpy(backend, equation, sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa).astype("float32"), rng.standard_normal(sb).astype("float32")
    out = ops.einsum(equation, as_tensor(a), as_tensor(b))
    assert out.dtype == "float32"
    np.testing.assert_allclose(out.numpy(), np.einsum(equation, a.astype("float64"), b.astype("float64")),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("equation, sa, sb", EQUATIONS[:6] + EQUATIONS[-2:])
def test_einsum_gradients(backend, equation, sa, sb):
    rng = np.random.default_rng(1)
    gradcheck(lambda a, b: ops.einsum(equation, a, b), [rng.standard_normal(sa), rng.standard_normal(sb)])


def test_einsum_errors(backend):
    a, b = as_tensor(np.ones((2, 3), "float32")), as_tensor(np.ones((3, 4), "float32"))
    with pytest.raises(ValueError, match=r"einsum: expected an equation of two operands, 'lhs,rhs->out', "
                                         r"received 'ab->ba'"):
        ops.einsum("ab->ba", a, b)
    with pytest.raises(ValueError, match=r"einsum: equation 'abc,cd->ad' names 3 axes for the first operand, "
                                         r"which has rank 2"):
        ops.einsum("abc,cd->ad", a, b)
    with pytest.raises(ValueError, match=r"einsum: axis 'b' of equation 'ab,bc->ac' has size 3 in the first "
                                         r"operand and 4 in the second"):
        ops.einsum("ab,bc->ac", a, as_tensor(np.ones((4, 4), "float32")))
    with pytest.raises(ValueError, match=r"einsum: output axis 'z' of equation 'ab,bc->az' is in neither"):
        ops.einsum("ab,bc->az", a, b)
    with pytest.raises(ValueError, match=r"repeats a letter within one operand; diagonals are not supported"):
        ops.einsum("aa,ab->b", as_tensor(np.ones((3, 3), "float32")), b)
