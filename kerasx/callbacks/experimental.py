"""`keras.callbacks.experimental`: where tf.keras 2.x first shipped `BackupAndRestore`, which code written
for it still imports. The same class as `keras.callbacks.BackupAndRestore`. tf.keras's
`UpdateEmbeddingCallback` (TPU embedding tables) has no kerasx counterpart."""
from kerasx.callbacks.backup_and_restore import BackupAndRestore

__all__ = ["BackupAndRestore"]
