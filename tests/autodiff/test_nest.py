"""The nested-structure helpers every floor shares (kerasx/autodiff/nest.py): tf.nest's orders."""
from kerasx.autodiff import nest


def test_flatten_sorts_dict_keys_and_keeps_none_as_a_leaf():
    structure = {"b": [1, (2, None)], "a": 0}
    assert nest.flatten(structure) == [0, 1, 2, None]
    assert nest.flatten(5) == [5]
    assert nest.is_nested([]) and nest.is_nested({}) and not nest.is_nested("ab")


def test_pack_sequence_as_inverts_flatten():
    structure = {"b": [1, (2, 3)], "a": 0}
    packed = nest.pack_sequence_as(structure, nest.flatten(structure))
    assert packed == structure and list(packed) == ["a", "b"]  # dicts come back in sorted order
    assert type(packed["b"][1]) is tuple


def test_map_structure_keeps_each_dicts_own_order():
    out = nest.map_structure(lambda x: x * 10, {"b": 1, "a": (2, [3])})
    assert out == {"b": 10, "a": (20, [30])} and list(out) == ["b", "a"]
    assert list(nest.map_structure_sorted(str, {"b": 1, "a": 2})) == ["a", "b"]


def test_up_to_a_shallow_structure():
    shallow = {"y": 0, "x": 0}
    deep = {"x": ["mae", "mse"], "y": "acc"}
    assert nest.flatten_up_to(shallow, deep) == [["mae", "mse"], "acc"]
    assert nest.map_structure_up_to(shallow, len, deep) == {"x": 2, "y": 3}
    assert nest.map_structure_up_to((0, 0), lambda a, b: a + b, (1, 2), (10, 20)) == [11, 22]
