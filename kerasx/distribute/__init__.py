"""`kerasx.distribute`: data-parallel training on the processes of an MPI job (tf.distribute's user
API): `MultiWorkerMirroredStrategy`, `MirroredStrategy`, `get_strategy`, `has_strategy`.

    # mpiexec -n 4 python -m mpi4py train.py
    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = build_model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=GLOBAL_BATCH)

MPI is used only where a launcher started the process (or the program imported `mpi4py.MPI`);
otherwise a strategy is one replica and training is as without it. Install `kerasx[mpi]`.
"""
from kerasx.distribute import experimental
from kerasx.distribute.context import get_strategy, has_strategy, in_cross_replica_context
from kerasx.distribute.strategy import (ClusterResolver, CommunicationOptions, MirroredStrategy,
                                        MultiWorkerMirroredStrategy, Strategy)
