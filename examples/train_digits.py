"""The main job: train a small convolutional network on the 8x8 handwritten digits that ship with
scikit-learn, with the tf.keras API on the default backend, then evaluate on a held-out split and save
the model.

    python examples/train_digits.py [--epochs 30] [--out digits_model.h5]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kerasx as keras  # noqa: E402
from kerasx import layers  # noqa: E402


def build_model():
    # A small CNN for 8x8 images: two 3x3 convolutions around a 2x2 pooling, then a dense head.
    return keras.Sequential([
        layers.Reshape((8, 8, 1), input_shape=(8, 8)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", default="digits_model.h5")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    # Pixels are 0..16; scale to [0, 1] as float32, the default floatx.
    x_train = (x_train / 16.0).astype("float32")
    x_test = (x_test / 16.0).astype("float32")
    print(f"backend: {keras.backend.backend()}; train {x_train.shape}, test {x_test.shape}")

    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
              callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=5,
                                                       restore_best_weights=True)])
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {test_loss:.4f} - test accuracy: {test_acc:.4f}")

    model.save(args.out)
    restored = keras.models.load_model(args.out)
    same = np.allclose(restored.predict(x_test, verbose=0), model.predict(x_test, verbose=0), atol=1e-6)
    print(f"saved to {args.out}; reloaded model gives the same predictions: {same}")
    if test_acc < 0.95 or not same:
        print("FAILED: expected test accuracy >= 0.95 and identical predictions after reloading")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
