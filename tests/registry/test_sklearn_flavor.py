"""The sklearn flavor: skops files, exactly the recorded untrusted types, same predictions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from loopml.core import InvalidValueError, ModelLoadError
from loopml.registry import load_model, register_model
from loopml.store import Stores
from tests.registry.conftest import row_counts


@pytest.mark.parametrize(
    ("fixture", "trusted"),
    [
        ("pipeline", []),
        (
            "lgbm",
            [
                "collections.OrderedDict",
                "lightgbm.basic.Booster",
                "lightgbm.sklearn.LGBMClassifier",
            ],
        ),
        ("xgb", ["xgboost.core.Booster", "xgboost.sklearn.XGBClassifier"]),
    ],
)
def test_predictions_after_loading_equal_those_before(
    stores: Stores,
    request: pytest.FixtureRequest,
    churn_data: tuple[pd.DataFrame, np.ndarray],
    fixture: str,
    trusted: list[str],
) -> None:
    model: Any = request.getfixturevalue(fixture)
    frame, _ = churn_data
    version = register_model(model, "churn", sample=frame.head(5), aliases=["champion"])
    assert version.flavor == "sklearn"
    assert version.flavor_config["trusted_types"] == trusted
    assert "sklearn" in version.flavor_config["versions"]
    loaded = load_model("models:/churn@champion")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))


def test_the_model_folder_holds_a_skops_file_and_a_spec(stores: Stores, pipeline: Pipeline) -> None:
    version = register_model(pipeline, "churn")
    manifest = stores.artifacts.read_manifest(version.artifact_digest)
    assert sorted(manifest) == ["loopml-model.json", "model.skops"]
    spec = json.loads(stores.artifacts.get_bytes(manifest["loopml-model.json"]["digest"]))
    assert spec["format"] == "loopml.model/1"
    assert spec["flavor"] == "sklearn"
    assert spec["flavor_config"] == version.flavor_config
    assert stores.artifacts.get_bytes(manifest["model.skops"]["digest"])[:2] == b"PK"  # a zip


def test_a_file_asking_for_unrecorded_types_is_refused(
    stores: Stores, lgbm: Any, swap_version_folder: Callable[..., None]
) -> None:
    """A file recorded as needing no untrusted type, which then asks for LightGBM's."""
    version = register_model(lgbm, "churn")
    tampered = {**version.flavor_config, "trusted_types": []}

    def forget_trusted_types(folder: Path) -> None:
        spec_path = folder / "loopml-model.json"
        spec = json.loads(spec_path.read_text())
        spec["flavor_config"] = tampered
        spec_path.write_text(json.dumps(spec))

    swap_version_folder("churn", 1, forget_trusted_types, flavor_config=tampered)
    with pytest.raises(ModelLoadError, match="not recorded when it was registered"):
        load_model("models:/churn/1")


def test_code_execution_types_are_refused_at_registration_and_at_load(
    stores: Stores, pipeline: Pipeline, swap_version_folder: Callable[..., None]
) -> None:
    dangerous = FunctionTransformer(func=eval).fit(np.ones((2, 2)))
    with pytest.raises(InvalidValueError, match=r"builtins\.eval.*could run arbitrary code"):
        register_model(dangerous, "evil")
    assert row_counts(stores)["models"] == 0

    version = register_model(pipeline, "churn")
    tampered = {**version.flavor_config, "trusted_types": ["posix.system"]}

    def trust_system(folder: Path) -> None:
        spec_path = folder / "loopml-model.json"
        spec = json.loads(spec_path.read_text())
        spec["flavor_config"] = tampered
        spec_path.write_text(json.dumps(spec))

    swap_version_folder("churn", 1, trust_system, flavor_config=tampered)
    with pytest.raises(ModelLoadError, match=r"posix\.system"):
        load_model("models:/churn/1")


def test_a_harmless_function_transformer_round_trips(
    stores: Stores, churn_data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    frame, label = churn_data
    model = Pipeline([("log", FunctionTransformer(np.log1p)), ("clf", LogisticRegression())]).fit(
        frame.abs(), label
    )
    register_model(model, "logged")
    loaded = load_model("logged")
    np.testing.assert_array_equal(loaded.predict(frame.abs()), model.predict(frame.abs()))


def test_non_models_and_unfitted_models_are_refused(stores: Stores) -> None:
    with pytest.raises(InvalidValueError, match="needs a scikit-learn estimator"):
        register_model({"coef": [1.0]}, "churn", flavor="sklearn")
    with pytest.raises(InvalidValueError, match="is not fitted"):
        register_model(LogisticRegression(), "churn")
    with pytest.raises(InvalidValueError, match="not fitted"):
        register_model(Pipeline([("clf", LogisticRegression())]), "churn", flavor="sklearn")
    assert row_counts(stores)["models"] == 0


def test_artifacts_are_refused_for_the_sklearn_flavor(
    stores: Stores, pipeline: Pipeline, tmp_path: Path
) -> None:
    (tmp_path / "extra.txt").write_text("x")
    with pytest.raises(InvalidValueError, match="artifacts= is for python_function"):
        register_model(pipeline, "churn", artifacts={"extra": tmp_path / "extra.txt"})
