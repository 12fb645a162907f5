"""`kerasx.distribute.horovod`: Horovod's Keras API (`import horovod.keras as hvd`) over kerasx's MPI
communicator, for scripts written for Horovod:

    import kerasx.distribute.horovod as hvd
    hvd.init()
    opt = hvd.DistributedOptimizer(keras.optimizers.SGD(0.01 * hvd.size()))
    model.compile(optimizer=opt, loss=...)
    model.fit(x_of_this_rank, y_of_this_rank, batch_size=PER_RANK_BATCH,
              callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0), hvd.callbacks.MetricAverageCallback()],
              verbose=1 if hvd.rank() == 0 else 0)

Unlike the strategies, each rank trains on the data it is given with a per-rank batch, and writing
files on rank 0 only is the script's job, as with Horovod.
"""
from kerasx.distribute.horovod import callbacks
from kerasx.distribute.horovod.callbacks import (BroadcastGlobalVariablesCallback, LearningRateWarmupCallback,
                                                 MetricAverageCallback)
from kerasx.distribute.horovod.optimizer import Compression, DistributedOptimizer
from kerasx.distribute.horovod.runtime import (Average, Sum, allgather, allgather_object, allreduce, broadcast,
                                               broadcast_object, broadcast_variables, init, is_initialized,
                                               local_rank, local_size, rank, shutdown, size)
