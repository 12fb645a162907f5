"""IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU against a confusion matrix counted in NumPy."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, metrics

RNG = np.random.default_rng(14)


def ref_cm(t, p, w, num_classes, ignore_class=None):
    cm = np.zeros((num_classes, num_classes))
    for ti, pi, wi in zip(t.ravel().astype(int), p.ravel().astype(int), w.ravel()):
        if ti != ignore_class:
            cm[ti, pi] += wi
    return cm


def ref_iou(cm, targets):
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1) - tp
    tp, denom = tp[targets], denom[targets]
    iou = np.where(denom == 0, 0.0, tp / np.where(denom == 0, 1, denom))
    valid = np.sum(denom > 1e-9)
    return iou.sum() / valid if valid else 0.0


@pytest.mark.parametrize("ignore_class", [None, 2])
def test_iou_and_mean_iou_over_batches(backend, ignore_class):
    iou = metrics.IoU(num_classes=4, target_class_ids=[0, 2, 3], ignore_class=ignore_class)
    miou = metrics.MeanIoU(num_classes=4, ignore_class=ignore_class)
    cm = np.zeros((4, 4))
    for _ in range(3):
        t, p = RNG.integers(0, 4, (5, 3)), RNG.integers(0, 4, (5, 3))
        w = RNG.uniform(0, 2, (5, 3)).astype("float32")
        iou.update_state(t, p, sample_weight=w)
        miou.update_state(t, p, sample_weight=w)
        cm += ref_cm(t, p, w, 4, ignore_class)
    np.testing.assert_allclose(iou.total_cm.numpy(), cm, rtol=1e-5)
    np.testing.assert_allclose(iou.result().numpy(), ref_iou(cm, [0, 2, 3]), rtol=1e-5)
    np.testing.assert_allclose(miou.result().numpy(), ref_iou(cm, [0, 1, 2, 3]), rtol=1e-5)
    assert iou.result().numpy().dtype == np.float32
    iou.reset_state()
    assert not np.any(iou.total_cm.numpy())


def test_tf_keras_doc_example(backend):
    # tf.keras's MeanIoU docstring: cm = [[1, 1], [1, 1]], iou = [1/3, 1/3], mean 0.33.
    m = metrics.MeanIoU(num_classes=2)
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    np.testing.assert_allclose(m.result().numpy(), 1 / 3, rtol=1e-6)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    np.testing.assert_allclose(m.result().numpy(), (0.3 / 0.9 + 0.1 / 0.7) / 2, rtol=1e-6)


def test_binary_and_one_hot_variants(backend):
    t = RNG.integers(0, 2, 12)
    s = RNG.random(12).astype("float32")
    b = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3)
    b.update_state(t, s)
    np.testing.assert_allclose(b.result().numpy(), ref_iou(ref_cm(t, s >= 0.3, np.ones(12), 2), [1]), rtol=1e-6)
    labels = RNG.integers(0, 3, 10)
    scores = RNG.random((10, 3)).astype("float32")
    onehot = np.eye(3, dtype="float32")[labels]
    cm = ref_cm(labels, scores.argmax(-1), np.ones(10), 3)
    oh = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    oh.update_state(onehot, scores)
    np.testing.assert_allclose(oh.result().numpy(), ref_iou(cm, [0, 2]), rtol=1e-6)
    ohm = metrics.OneHotMeanIoU(num_classes=3)
    ohm.update_state(onehot, scores)
    np.testing.assert_allclose(ohm.result().numpy(), ref_iou(cm, [0, 1, 2]), rtol=1e-6)


def test_names_and_configs(backend):
    assert [metrics.IoU(2, [0]).name, metrics.MeanIoU(2).name, metrics.BinaryIoU().name,
            metrics.OneHotIoU(2, [1]).name, metrics.OneHotMeanIoU(2).name] == [
        "io_u", "mean_io_u", "binary_io_u", "one_hot_io_u", "one_hot_mean_io_u"]
    cases = [
        (metrics.IoU(3, [1, 2], name="i", ignore_class=0, axis=1),
         {"name": "i", "dtype": "float32", "num_classes": 3, "target_class_ids": [1, 2], "ignore_class": 0,
          "sparse_y_true": True, "sparse_y_pred": True, "axis": 1}),
        (metrics.MeanIoU(3, name="m"), {"name": "m", "dtype": "float32", "num_classes": 3, "ignore_class": None,
                                        "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
        (metrics.BinaryIoU([1], 0.7, name="b"), {"target_class_ids": [1], "threshold": 0.7, "name": "b",
                                                  "dtype": "float32"}),
        (metrics.OneHotIoU(3, [0], name="o"), {"name": "o", "dtype": "float32", "num_classes": 3,
                                               "target_class_ids": [0], "ignore_class": None,
                                               "sparse_y_pred": False, "axis": -1}),
        (metrics.OneHotMeanIoU(3, name="om"), {"name": "om", "dtype": "float32", "num_classes": 3,
                                               "ignore_class": None, "sparse_y_pred": False, "axis": -1}),
    ]
    for m, config in cases:
        assert m.get_config() == config
        assert type(m).from_config(config).get_config() == config
    assert [v.name for v in metrics.MeanIoU(2).variables] == ["total_confusion_matrix:0"]


def test_errors(backend):
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is \[0, 3\)\."):
        metrics.IoU(num_classes=3, target_class_ids=[0, 3])
    with pytest.raises(ValueError, match=r"Argument `num_classes` must be a positive integer\. Received: "
                                         r"num_classes=0"):
        metrics.MeanIoU(num_classes=0)
    m = metrics.MeanIoU(num_classes=2)
    with pytest.raises(ValueError, match=r"y_true and y_pred hold different numbers of entries \(3 and 2\)"):
        m.update_state([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"sample_weight holds 3 entries for 2 predictions"):
        m.update_state([0, 1], [0, 1], sample_weight=[1.0, 1, 1])
    assert not np.any(m.total_cm.numpy())


def test_mean_iou_in_fit(backend):
    x = RNG.random((30, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 30)]
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("adam", "categorical_crossentropy", metrics=[metrics.OneHotMeanIoU(num_classes=3)])
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "one_hot_mean_io_u"]
    logs = model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True)
    cm = ref_cm(y.argmax(-1), model.predict(x, verbose=0).argmax(-1), np.ones(30), 3)
    np.testing.assert_allclose(logs["one_hot_mean_io_u"], ref_iou(cm, [0, 1, 2]), rtol=1e-5)
