"""`ops.cross_replica_sum` (kerasx/ops/collective.py): the identity outside a distributed step; inside
one, the sum over the replicas, forward and backward (here two identical replicas: twice the value)."""
import numpy as np

from kerasx import GradientTape, ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.distribute.communicator import LocalCommunicator


class TwoIdenticalReplicas(LocalCommunicator):
    size = 2

    def allreduce_sum_(self, buffer):
        buffer *= 2
        return buffer


def test_cross_replica_sum_outside_a_step_is_the_identity(backend):
    x = as_tensor(np.arange(6, dtype="float32").reshape(2, 3))
    np.testing.assert_array_equal(ops.cross_replica_sum(x).numpy(), x.numpy())


def test_cross_replica_sum_sums_forward_and_backward(backend):
    x = as_tensor(np.arange(6, dtype="float32").reshape(2, 3))
    weights = as_tensor(np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 1.0]], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        with ops.replica_communicator(TwoIdenticalReplicas()):
            y = ops.cross_replica_sum(x)
        loss = ops.sum(ops.multiply(y, weights))
    np.testing.assert_array_equal(y.numpy(), 2 * x.numpy())
    with ops.replica_communicator(TwoIdenticalReplicas()):
        (grad,) = tape.gradient(loss, [x])
    # Each replica's loss reads the sum: the gradient of the total is the replicas' gradients summed.
    np.testing.assert_array_equal(grad.numpy(), 2 * weights.numpy())
    np.testing.assert_array_equal(ops.cross_replica_sum(x).numpy(), x.numpy())  # the block has ended
