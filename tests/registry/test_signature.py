"""infer_signature: column types from DataFrames, arrays and records; outputs from predict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError
from loopml.registry import infer_signature


class _Echo:
    """Returns what it is given: a way to describe any data as outputs."""

    def predict(self, data: Any) -> Any:
        return data


def test_dataframe_columns_get_portable_types() -> None:
    frame = pd.DataFrame(
        {
            "i64": np.array([1, 2], dtype=np.int64),
            "i32": np.array([1, 2], dtype=np.int32),
            "f64": [1.5, 2.5],
            "f32": np.array([1, 2], dtype=np.float32),
            "flag": [True, False],
            "text": pd.array(["a", "b"], dtype="string"),
            "objtext": pd.Series(["a", None], dtype=object),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "when_utc": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC"),
            "wait": pd.to_timedelta([1, 2], unit="s"),
            "plan": pd.Categorical(["basic", "pro"]),
            "nullable": pd.array([1, None], dtype="Int64"),
            "mixed_numbers": pd.Series([1, 2.5], dtype=object),
            "blob": pd.Series([b"x", b"y"], dtype=object),
            "other": pd.Series([{"a": 1}, None], dtype=object),
        }
    )
    inputs = infer_signature(_Echo(), frame)["inputs"]
    assert {entry["name"]: entry["type"] for entry in inputs} == {
        "i64": "long",
        "i32": "integer",
        "f64": "double",
        "f32": "float",
        "flag": "boolean",
        "text": "string",
        "objtext": "string",
        "when": "datetime",
        "when_utc": "datetime",
        "wait": "duration",
        "plan": "string",
        "nullable": "long",
        "mixed_numbers": "double",
        "blob": "binary",
        "other": "object",
    }


def test_arrays_keep_their_shape_and_records_become_columns() -> None:
    array_sig = infer_signature(_Echo(), np.zeros((4, 3, 2), dtype=np.float32))
    assert array_sig["inputs"] == [{"name": "input", "type": "float", "shape": [-1, 3, 2]}]
    assert array_sig["outputs"] == [{"name": "prediction", "type": "float", "shape": [-1, 3, 2]}]
    records = [{"age": 31, "plan": "pro"}, {"age": 45, "plan": "basic"}]
    assert infer_signature(_Echo(), records)["inputs"] == [
        {"name": "age", "type": "long"},
        {"name": "plan", "type": "string"},
    ]


def test_classifier_outputs_include_probabilities_and_classes(
    pipeline: Pipeline, churn_data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    frame, _ = churn_data
    signature = infer_signature(pipeline, frame.head(3))
    assert signature["outputs"] == [
        {"name": "prediction", "type": "long", "shape": [-1]},
        {"name": "probabilities", "type": "double", "shape": [-1, 2], "classes": [0, 1]},
    ]


def test_regressor_outputs_have_no_probabilities(
    churn_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, label = churn_data
    regressor = LinearRegression().fit(frame, label)
    outputs = infer_signature(regressor, frame)["outputs"]
    assert outputs == [{"name": "prediction", "type": "double", "shape": [-1]}]


@pytest.mark.parametrize("sample", ["text", 3, {"a": [1]}, [[1, 2], [3]]])
def test_samples_of_other_forms_are_refused(sample: object) -> None:
    with pytest.raises(InvalidValueError, match="sample must be"):
        infer_signature(_Echo(), sample)


def test_a_sample_the_model_cannot_score_is_refused(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidValueError, match="cannot predict on the sample"):
        infer_signature(pipeline, pd.DataFrame({"other": [1.0]}))
