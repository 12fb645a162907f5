"""Loading never runs code from a file unless the caller passes safe_mode=False."""
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import safe_mode


class StoredCode(layers.Layer):
    """Stands in for `Lambda`: its config carries "bytecode", which it may only use outside safe mode."""

    def __init__(self, function="bytecode", **kwargs):
        super().__init__(**kwargs)
        self.function = function

    def get_config(self):
        return {**super().get_config(), "function": self.function}

    @classmethod
    def from_config(cls, config):
        safe_mode.check_python_code_allowed("StoredCode")
        return cls(**config)


def _model():
    inputs = keras.Input(shape=(2,))
    return keras.Model(inputs, StoredCode(name="code")(inputs))


def test_scopes_nest_and_default_to_safe():
    assert safe_mode.in_safe_mode()
    with safe_mode.SafeModeScope(False):
        assert not safe_mode.in_safe_mode()
        with safe_mode.SafeModeScope(True):
            assert safe_mode.in_safe_mode()
        assert not safe_mode.in_safe_mode()
    assert safe_mode.in_safe_mode()


def test_stored_code_is_refused_unless_safe_mode_is_off(backend, tmp_path):
    message = r"deserialization of a `StoredCode` layer whose `function` is Python bytecode.*safe_mode=False"
    custom = {"StoredCode": StoredCode}
    text = _model().to_json()
    with pytest.raises(ValueError, match=message):
        keras.models.model_from_json(text, custom_objects=custom)
    with safe_mode.SafeModeScope(False):
        assert keras.models.model_from_json(text, custom_objects=custom).get_layer("code").function == \
            "bytecode"

    _model().save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(tmp_path / "m.h5", custom_objects=custom)
    model = keras.models.load_model(tmp_path / "m.h5", custom_objects=custom, safe_mode=False)
    np.testing.assert_array_equal(model.predict(np.ones((1, 2), "float32"), verbose=0), [[1.0, 1.0]])
    assert safe_mode.in_safe_mode()  # the scope ended with the call
    assert json.loads(model.to_json())["config"]["layers"][1]["class_name"] == "StoredCode"
