"""The cleaning config: plain data -> a Cleaner; every problem reported at once."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import (
    CleaningConfig,
    ClipOutliers,
    DropOutliers,
    ImputeMissing,
    cleaner_from_config,
    load_cleaning_config,
    parse_cleaning_config,
)

EXAMPLE = {
    "missing": {"strategy": "median", "indicator": True},
    "outliers": {"method": "iqr", "action": "clip"},
    "scale": "standard",
    "encode": {"onehot": ["plan"]},
}


def step_names(config: dict[str, object]) -> list[str]:
    return [name for name, _ in cleaner_from_config(config).steps]


def test_the_example_config_builds_and_cleans(customers: pd.DataFrame) -> None:
    cleaner = cleaner_from_config({**EXAMPLE, "target": "churn"})
    assert [name for name, _ in cleaner.steps] == ["clip_outliers", "impute", "scale", "onehot"]
    impute = dict(cleaner.steps)["impute"]
    assert isinstance(impute, ImputeMissing) and impute.indicator and impute.strategy == "median"
    cleaned = cleaner.fit_clean(customers.drop(columns="signup"))
    assert cleaned.notna().all().all() and "plan_pro" in cleaned.columns


def test_every_section_in_order() -> None:
    config = {
        "target": "churn",
        "datetime": True,
        "missing": {
            "drop_columns_over": 0.6,
            "drop_rows_over": 0.5,
            "strategy": "knn",
            "categorical_strategy": "constant",
            "categorical_fill_value": "none",
        },
        "duplicates": {"subset": ["id"]},
        "outliers": {"method": "isolation_forest", "action": "drop"},
        "scale": {"method": "robust", "columns": "numeric"},
        "augment": {"smote": True, "noise": {"fraction": 0.1}},
        "encode": {
            "ordinal": {"categories": {"size": ["S", "M"]}},
            "target": ["city"],
            "onehot": True,
        },
    }
    assert step_names(config) == [
        "datetime",
        "drop_missing_columns",
        "drop_missing_rows",
        "duplicates",
        "impute",
        "impute_categorical",
        "drop_outliers",
        "scale",
        "smote",
        "noise",
        "ordinal",
        "target_encoding",
        "onehot",
    ]
    forest = dict(cleaner_from_config(config).steps)["drop_outliers"]
    assert isinstance(forest, DropOutliers) and forest.method == "isolation_forest"


def test_outlier_drop_and_shorthands() -> None:
    steps = dict(cleaner_from_config({"outliers": {"method": "zscore", "action": "drop"}}).steps)
    assert isinstance(steps["drop_outliers"], DropOutliers)
    clip = dict(cleaner_from_config({"outliers": "iqr"}).steps)["clip_outliers"]
    assert isinstance(clip, ClipOutliers)
    assert step_names({"duplicates": False, "datetime": None}) == []


def test_every_problem_at_once() -> None:
    bad = {
        "missing": {"strategy": "mode", "drop_rows_over": 2},
        "scale": "zscore",
        "colour": "red",
    }
    with pytest.raises(InvalidValueError) as caught:
        parse_cleaning_config(bad)
    message = str(caught.value)
    assert message.startswith("cleaning config has 4 problems")
    for where in (
        "missing.strategy: Input should be",
        "missing.drop_rows_over",
        "scale.method: Input should be 'standard'",
        "colour: unknown setting",
    ):
        assert where in message


def test_semantic_problems() -> None:
    with pytest.raises(InvalidValueError, match="isolation_forest finds outlying rows"):
        parse_cleaning_config({"outliers": {"method": "isolation_forest", "action": "clip"}})
    with pytest.raises(
        InvalidValueError,
        match=r"encode.target \(target encoding\) and augment.smote need the target column",
    ):
        parse_cleaning_config({"encode": {"target": ["plan"]}, "augment": {"smote": True}})
    with pytest.raises(InvalidValueError, match="both take every text column"):
        parse_cleaning_config({"target": "y", "encode": {"target": True, "onehot": True}})
    with pytest.raises(InvalidValueError, match="'plan' is encoded by target and onehot"):
        parse_cleaning_config({"target": "y", "encode": {"target": ["plan"], "onehot": ["plan"]}})
    with pytest.raises(InvalidValueError, match="a JSON object"):
        parse_cleaning_config(["scale"])  # type: ignore[arg-type]


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cleaning.json"
    path.write_text(json.dumps(EXAMPLE))
    assert load_cleaning_config(path) == CleaningConfig.model_validate(EXAMPLE)
    with pytest.raises(InvalidValueError, match="does not exist"):
        load_cleaning_config(tmp_path / "nope.json")
    path.write_text('{"scale": "standard",}')
    with pytest.raises(InvalidValueError, match="not valid JSON: .* line 1"):
        load_cleaning_config(path)
