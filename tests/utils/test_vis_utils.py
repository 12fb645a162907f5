"""`keras.utils.model_to_dot` / `plot_model`.

Every expected label and edge was read off tf_keras 2.21 (`/work/tfref/bin/python`, pydot 4) for the same
models: ``tf_keras.src.utils.vis_utils.model_to_dot(model, ...)``, node labels by ``node.get("label")``
and edges mapped from node ids to the labels' first field."""
import importlib.util
import shutil
import sys

import pytest

import kerasx as keras
from kerasx.utils import model_to_dot, plot_model, vis_utils

pydot = pytest.importorskip("pydot", reason="pydot is kerasx's `plot` extra (and in the `test` extra)")


def _all(graph, what):
    out = list(getattr(graph, what)())
    for sub in graph.get_subgraphs():
        out += _all(sub, what)
    return out


def _labels_and_edges(dot):
    nodes = [n for n in _all(dot, "get_nodes") if n.get_name() not in ("node", "edge", "graph")]
    label = {n.get_name(): n.get("label") for n in nodes}
    edges = [(label[e.get_source()].split("|")[0], label[e.get_destination()].split("|")[0])
             for e in _all(dot, "get_edges")]
    return [n.get("label") for n in nodes], edges


def _sequential():
    return keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,), name="d1"),
                             keras.layers.Dense(2, name="d2")], name="seq")


def _branches():
    x = keras.Input((3,), name="x")
    a = keras.layers.Dense(2, name="a")(x)
    b = keras.layers.Dense(2, name="b", trainable=False)(x)
    return keras.Model(x, keras.layers.Concatenate(name="cat")([a, b]), name="f")


def _nested():
    inner_in = keras.Input((3,), name="ii")
    inner = keras.Model(inner_in, keras.layers.Dense(3, name="id")(inner_in), name="inner")
    outer_in = keras.Input((3,), name="oi")
    return keras.Model(outer_in, keras.layers.Dense(1, name="od")(inner(outer_in)), name="outer")


def test_sequential_graph():
    dot = model_to_dot(_sequential())
    assert (dot.get("rankdir"), dot.get("dpi"), dot.get("concentrate")) == ("TB", 96, True)
    assert dot.get_node_defaults() == [{"shape": "record"}]
    assert _labels_and_edges(dot) == (["d1_input|InputLayer", "d1|Dense", "d2|Dense"],
                                      [("d1_input", "d1"), ("d1", "d2")])


def test_sequential_with_every_field():
    labels, _ = _labels_and_edges(model_to_dot(_sequential(), show_shapes=True, show_dtype=True,
                                               show_layer_activations=True, show_trainable=True))
    assert labels == ["T|{d1_input|InputLayer|float32}|{input:|output:}|{{[(None, 3)]}|{[(None, 3)]}}",
                      "T|{d1|{Dense|relu}|float32}|{input:|output:}|{{(None, 3)}|{(None, 4)}}",
                      "T|{d2|{Dense|linear}|float32}|{input:|output:}|{{(None, 4)}|{(None, 2)}}"]


def test_functional_with_branches():
    labels, edges = _labels_and_edges(model_to_dot(_branches(), show_shapes=True, show_trainable=True))
    assert labels == ["T|{x|InputLayer}|{input:|output:}|{{[(None, 3)]}|{[(None, 3)]}}",
                      "T|{a|Dense}|{input:|output:}|{{(None, 3)}|{(None, 2)}}",
                      "NT|{b|Dense}|{input:|output:}|{{(None, 3)}|{(None, 2)}}",
                      "T|{cat|Concatenate}|{input:|output:}|{{[(None, 2), (None, 2)]}|{(None, 4)}}"]
    assert edges == [("T", "T"), ("T", "NT"), ("T", "T"), ("NT", "T")]
    dot = model_to_dot(_branches(), show_layer_names=False, rankdir="LR", dpi=50)
    assert (dot.get("rankdir"), dot.get("dpi")) == ("LR", 50)
    assert _labels_and_edges(dot) == (["InputLayer", "Dense", "Dense", "Concatenate"],
                                      [("InputLayer", "Dense"), ("InputLayer", "Dense"),
                                       ("Dense", "Concatenate"), ("Dense", "Concatenate")])


def test_nested_model_collapsed_and_expanded():
    assert _labels_and_edges(model_to_dot(_nested())) == (
        ["oi|InputLayer", "inner|Functional", "od|Dense"], [("oi", "inner"), ("inner", "od")])
    dot = model_to_dot(_nested(), expand_nested=True)
    clusters = dot.get_subgraphs()
    assert [(c.get_name(), c.get("label"), c.get("style")) for c in clusters] == [("cluster_inner", "inner", "dashed")]
    assert _labels_and_edges(dot) == (["oi|InputLayer", "od|Dense", "ii|InputLayer", "id|Dense"],
                                      [("oi", "ii"), ("id", "od"), ("ii", "id")])


def test_wrapper_and_subclassed_model():
    model = keras.Sequential([keras.layers.TimeDistributed(keras.layers.Dense(2, name="in"), input_shape=(4, 3),
                                                           name="td")])
    assert _labels_and_edges(model_to_dot(model)) == (["td_input|InputLayer", "td(in)|TimeDistributed(Dense)"],
                                                      [("td_input", "td(in)")])

    class Sub(keras.Model):
        def call(self, x):
            return x

    sub = Sub(name="sub")
    sub(keras.ops.ones((1, 2)))
    assert _labels_and_edges(model_to_dot(sub)) == (["sub"], [])


def test_layer_range():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="e1"), keras.layers.Dense(2, name="e2"),
                              keras.layers.Dense(2, name="e3")])
    # tf_keras 2.21 draws e1, e2 here (its bounds come from `model.layers` but index the list with the
    # InputLayer); kerasx draws the layers named, both ends included.
    assert _labels_and_edges(model_to_dot(model, layer_range=["e2", "e3"])) == (
        ["e2|Dense", "e3|Dense"], [("e2", "e3")])
    with pytest.raises(ValueError, match="layer_range must be of shape"):
        model_to_dot(model, layer_range=["e1"])
    with pytest.raises(ValueError, match="should contain string type only"):
        model_to_dot(model, layer_range=[0, 1])
    with pytest.raises(ValueError, match="do not match the layer names"):
        model_to_dot(model, layer_range=["nope", "e3"])


def test_unbuilt_model_is_refused():
    with pytest.raises(ValueError, match="has not yet been built"):
        model_to_dot(keras.Sequential([keras.layers.Dense(2)]))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
def test_plot_model_writes_a_png(tmp_path):
    path = tmp_path / "model.png"
    shown = plot_model(_branches(), to_file=path, show_shapes=True)
    if importlib.util.find_spec("IPython") is None:
        assert shown is None  # an IPython Image where IPython is installed, for notebooks
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    no_extension = tmp_path / "model"
    plot_model(_nested(), to_file=str(no_extension), expand_nested=True)
    assert no_extension.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # png by default
    plot_model(_sequential(), to_file=tmp_path / "model.svg")
    assert b"<svg" in (tmp_path / "model.svg").read_bytes()


def test_missing_pydot_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)  # `import pydot` now raises ImportError
    assert not vis_utils.check_pydot()
    with pytest.raises(ImportError, match=r"install pydot \(`pip install pydot`.*kerasx\[plot\]"):
        model_to_dot(_sequential())
    with pytest.raises(ImportError, match="pydot is not installed"):
        plot_model(_sequential())


def test_missing_graphviz_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program on it
    assert not vis_utils.check_graphviz()
    with pytest.raises(ImportError, match="install graphviz.*apt-get install graphviz.*`dot` program failed"):
        plot_model(_sequential(), to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()
