"""The python_function flavor: rebuilt from an import path + JSON config + artifacts, no pickle."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError, ModelLoadError, UnsafePathError
from loopml.registry import PythonModel, load_model, register_model
from loopml.store import Stores
from tests.registry.conftest import row_counts
from tests.registry.custom_models import (
    HidesItsParameter,
    LookupTable,
    Scaled,
    Threshold,
    TupleConfig,
)


def test_a_python_model_is_rebuilt_from_its_config(stores: Stores) -> None:
    model = Threshold("score", cutoff=0.7, labels=["stay", "churn"])
    sample = pd.DataFrame({"score": [0.1, 0.9, 0.7]})
    version = register_model(model, "rules", sample=sample)
    assert version.flavor == "python_function"
    assert version.flavor_config == {
        "class": "tests.registry.custom_models:Threshold",
        "config": {"column": "score", "cutoff": 0.7, "labels": ["stay", "churn"]},
        "artifacts": {},
    }
    assert version.signature["outputs"] == [{"name": "prediction", "type": "long", "shape": [-1]}]
    loaded = load_model("models:/rules/1")
    assert isinstance(loaded, Threshold) and loaded is not model
    assert (loaded.column, loaded.cutoff, loaded.labels) == ("score", 0.7, ["stay", "churn"])
    np.testing.assert_array_equal(loaded.predict(sample), [0, 1, 0])


def test_get_config_can_be_overridden(stores: Stores) -> None:
    register_model(Scaled(2.5), "scaled")
    np.testing.assert_array_equal(load_model("scaled").predict([1.0, 2.0]), [2.5, 5.0])


def test_artifacts_are_verified_and_given_to_load_context(stores: Stores, tmp_path: Path) -> None:
    (tmp_path / "table.json").write_text(json.dumps({"a": 1.5, "b": 2.0}))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("built from the 2024 price list")
    version = register_model(
        LookupTable("plan"),
        "lookup",
        artifacts={"table": tmp_path / "table.json", "docs": str(docs)},
    )
    assert version.flavor_config["artifacts"] == {
        "table": "artifacts/table",
        "docs": "artifacts/docs",
    }
    loaded = load_model("lookup")
    assert loaded.predict(pd.DataFrame({"plan": ["b", "a", "z"]})) == [2.0, 1.5, 0.0]
    assert loaded.notes == "built from the 2024 price list"


def test_artifact_names_cannot_escape_the_model_folder(stores: Stores, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(UnsafePathError):
        register_model(LookupTable("k"), "lookup", artifacts={"../../x": tmp_path / "x.json"})
    with pytest.raises(InvalidValueError, match="is not a file or a folder"):
        register_model(LookupTable("k"), "lookup", artifacts={"t": tmp_path / "missing.json"})
    assert row_counts(stores)["models"] == 0


def test_classes_that_cannot_be_imported_back_are_refused(stores: Stores) -> None:
    class Local(PythonModel):
        def predict(self, data: Any) -> Any:
            return data

    with pytest.raises(InvalidValueError, match="defined inside a function"):
        register_model(Local(), "local")

    main_class = type("InMain", (Local,), {"__module__": "__main__"})
    with pytest.raises(InvalidValueError, match=r"defined in __main__ \(a script or notebook\)"):
        register_model(main_class(), "main")
    assert row_counts(stores)["models"] == 0


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (HidesItsParameter(2.0), "does not store its __init__ parameter 'factor'"),
        (TupleConfig(), "changes through JSON"),
        (Threshold("score", cutoff=np.float32(0.5)), "is not JSON"),  # type: ignore[arg-type]
        (Threshold("score", cutoff=float("nan")), "is not JSON"),
        (Scaled(1.0), None),
    ],
)
def test_configs_must_rebuild_the_model_through_json(
    stores: Stores, model: PythonModel, message: str | None
) -> None:
    if message is None:
        register_model(model, "ok")
        return
    with pytest.raises(InvalidValueError, match=message):
        register_model(model, "bad")
    assert row_counts(stores)["models"] == 0


def test_python_function_flavor_needs_a_python_model(stores: Stores) -> None:
    with pytest.raises(
        InvalidValueError, match="needs an instance of a loopml.registry.PythonModel"
    ):
        register_model(object(), "x", flavor="python_function")


@pytest.fixture
def plugin_module(tmp_path: Path) -> Iterator[str]:
    """A module importable only while the test puts its folder on sys.path."""
    name = f"loopml_test_plugin_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            """
            from loopml.registry import PythonModel

            class Doubler(PythonModel):
                def __init__(self, factor=2):
                    self.factor = factor

                def predict(self, data):
                    return [x * self.factor for x in data]
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield name
    finally:
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def test_a_model_whose_code_is_gone_fails_to_load_clearly(
    stores: Stores, plugin_module: str
) -> None:
    module = importlib.import_module(plugin_module)
    register_model(module.Doubler(3), "plugin")
    assert load_model("plugin").predict([1, 2]) == [3, 6]
    sys.path.remove(sys.path[0])
    sys.modules.pop(plugin_module)
    with pytest.raises(ModelLoadError, match=f"cannot import module '{plugin_module}'"):
        load_model("plugin")
