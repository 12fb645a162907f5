"""The strategies in one process (no MPI launcher): one replica, the tf.distribute API around it, the
argument errors, and training that is exactly as without a strategy."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.distribute import experimental


def test_one_process_is_one_replica_and_the_chief():
    for strategy in (keras.distribute.MultiWorkerMirroredStrategy(), keras.distribute.MirroredStrategy()):
        assert strategy.num_replicas_in_sync == 1 and strategy.is_chief and not strategy.is_multi_process
        resolver = strategy.cluster_resolver
        assert (resolver.task_type, resolver.task_id, resolver.num_workers, resolver.local_rank) == ("worker", 0, 1, 0)
        strategy.barrier()  # the identity with one process


def test_scope_sets_the_current_strategy():
    default = keras.distribute.get_strategy()
    assert not keras.distribute.has_strategy() and default.num_replicas_in_sync == 1
    strategy = keras.distribute.MirroredStrategy()
    with strategy.scope() as entered:
        assert entered is strategy and keras.distribute.get_strategy() is strategy
        assert keras.distribute.has_strategy()
    assert keras.distribute.get_strategy() is default


def test_argument_errors_name_the_argument_and_what_was_received():
    with pytest.raises(ValueError, match=r"MultiWorkerMirroredStrategy: `communication` must be one of "
                                         r"\('auto', 'mpi', 'nccl'\); received 'ring'"):
        keras.distribute.MultiWorkerMirroredStrategy(communication="ring")
    with pytest.raises(ValueError, match="communication='nccl' reduces GPU buffers and needs the 'cupy' backend"):
        keras.distribute.MultiWorkerMirroredStrategy(communication="nccl")
    with pytest.raises(ValueError, match="communication='nccl'.*active backend is"):
        keras.distribute.MultiWorkerMirroredStrategy(
            communication_options=experimental.CommunicationOptions(implementation=experimental.CommunicationImplementation.NCCL))
    with pytest.raises(ValueError, match=r"one kerasx process drives one device, received devices=\['/gpu:0', '/gpu:1'\]"):
        keras.distribute.MirroredStrategy(devices=["/gpu:0", "/gpu:1"])
    with pytest.raises(ValueError, match="`bytes_per_pack` must be a non-negative integer; received -1"):
        experimental.CommunicationOptions(bytes_per_pack=-1)
    with pytest.raises(ValueError, match="`timeout_seconds` must be None or a positive number; received 0"):
        experimental.CommunicationOptions(timeout_seconds=0)
    with pytest.raises(TypeError, match="`communication_options` must be a kerasx.distribute.experimental."
                                        "CommunicationOptions; received dict"):
        keras.distribute.MultiWorkerMirroredStrategy(communication_options={})
    with pytest.raises(ValueError, match="`cluster_resolver` must be None"):
        keras.distribute.MultiWorkerMirroredStrategy(cluster_resolver="grpc://x")


def test_bytes_per_pack_is_the_strategy_knob():
    strategy = keras.distribute.MultiWorkerMirroredStrategy(
        communication_options=experimental.CommunicationOptions(bytes_per_pack=1 << 16))
    assert strategy.bytes_per_pack == 1 << 16
    assert keras.distribute.MultiWorkerMirroredStrategy().bytes_per_pack == 64 << 20


def _train(strategy, backend):
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 5)).astype("float32")
    y = rng.integers(0, 2, size=(50,))

    def build_and_compile():
        model = keras.Sequential([layers.Input((5,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
        model.compile(optimizer="adam", metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model
    if strategy is None:
        model = build_and_compile()
    else:
        with strategy.scope():
            model = build_and_compile()
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.2)
    return model.get_weights(), history.history, model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)


def test_a_single_process_script_trains_unchanged_under_mirrored_strategy(backend):
    plain = _train(None, backend)
    mirrored = _train(keras.distribute.MirroredStrategy(), backend)
    for a, b in zip(plain[0], mirrored[0]):
        np.testing.assert_array_equal(a, b)
    assert plain[1] == mirrored[1]
    np.testing.assert_array_equal(plain[2], mirrored[2])
    assert plain[3] == mirrored[3]
