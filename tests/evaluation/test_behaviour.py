"""Behavioural tests: invariance, directional expectations and minimum-functionality tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from loopml.core import InvalidValueError
from loopml.evaluation import (
    BehaviourSuite,
    Directional,
    Invariance,
    MinimumFunctionality,
    directional,
    invariance,
    minimum_functionality,
)


@pytest.fixture(scope="module")
def credit() -> tuple[pd.DataFrame, LogisticRegression]:
    """Approval depends on income only; ``region`` is in the table but was not learned from."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50, 15, 300), "debt": rng.normal(10, 3, 300)})
    label = (frame["income"] - 2 * frame["debt"] + rng.normal(0, 5, 300) > 30).astype(int)
    model = LogisticRegression(max_iter=1000).fit(frame, label)
    return frame, model


def test_invariance_passes_for_a_field_the_model_ignores_and_fails_otherwise(credit) -> None:
    frame, model = credit
    # The model sees only its two columns; a third column that it ignores cannot matter.
    wide = frame.assign(region=np.where(frame.index % 2 == 0, "north", "south"))
    pipeline = make_pipeline(
        make_column_transformer(("passthrough", ["income", "debt"])), LogisticRegression()
    ).fit(wide, model.predict(frame))
    report = invariance(pipeline, wide, column="region", values=["north", "south"])
    assert report.passed and report.num_passed == 2
    assert report.cases[0].name == "region = 'north'"
    broken = invariance(model, frame, column="debt", values=[0.0])
    assert not broken.passed
    assert broken.cases[0].failing_rows and "predictions changed" in broken.cases[0].detail
    assert len(broken.cases[0].failing_rows) <= 5


def test_directional_expectations(credit) -> None:
    frame, model = credit
    assert directional(model, frame, column="income", change=10, expect="increase").passed
    assert directional(model, frame, column="debt", change=5, expect="decrease").passed
    wrong = directional(model, frame, column="debt", change=5, expect="increase", name="debt up")
    assert not wrong.passed and wrong.cases[0].name == "debt up"
    doubled = directional(model, frame, column="income", change=lambda s: s * 2, expect="increase")
    assert doubled.cases[0].name == "income changed -> increase"
    regressor = LinearRegression().fit(frame, frame["income"] * 3)
    assert directional(regressor, frame, column="income", change=1, expect="increase").passed


def test_minimum_functionality_table(credit) -> None:
    _, model = credit
    cases = pd.DataFrame(
        {
            "name": ["rich, no debt", "poor, deep debt", "poor but marked approved"],
            "income": [120.0, 10.0, 10.0],
            "debt": [0.0, 30.0, 30.0],
            "expected": [1, 0, 1],
        }
    )
    report = minimum_functionality(model, cases, case_name="name")
    assert [c.passed for c in report.cases] == [True, True, False]
    assert report.cases[2].detail == "expected 1, got 0"
    assert report.num_failed == 1


def test_a_suite_reports_like_test_results(credit) -> None:
    frame, model = credit
    cases = pd.DataFrame({"income": [120.0], "debt": [0.0], "expected": [1]})
    suite = BehaviourSuite(
        checks=(
            Invariance(column="debt", values=(10.0,)),
            Directional(column="income", change=10, expect="increase"),
            MinimumFunctionality(cases=cases),
        )
    )
    report = suite.run(model, frame)
    assert [c.kind for c in report.cases] == ["invariance", "directional", "minimum_functionality"]
    data = report.to_dict()
    assert data["num_passed"] + data["num_failed"] == 3
    assert data["passed"] is False  # setting debt to 10 for everyone moves predictions
    console = Console(record=True, width=150)
    console.print(report.to_table())
    text = console.export_text()
    assert "PASS" in text and "FAIL" in text and "2 passed, 1 failed" in text


def test_bad_input_is_refused(credit) -> None:
    frame, model = credit
    with pytest.raises(InvalidValueError, match="'region'.*not in the frame"):
        invariance(model, frame, column="region", values=["x"])
    with pytest.raises(InvalidValueError, match="non-empty list"):
        invariance(model, frame, column="debt", values=[])
    with pytest.raises(InvalidValueError, match="empty"):
        invariance(model, frame.iloc[:0], column="debt", values=[1])
    with pytest.raises(InvalidValueError, match="predict method"):
        invariance(object(), frame, column="debt", values=[1])
    with pytest.raises(InvalidValueError, match="increase' or 'decrease"):
        directional(model, frame, column="debt", change=1, expect="up")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="number or a function"):
        directional(model, frame, column="debt", change="1", expect="increase")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="'expected'"):
        minimum_functionality(model, frame)
    with pytest.raises(InvalidValueError, match="DataFrame"):
        minimum_functionality(model, frame.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="at least one check"):
        BehaviourSuite(checks=())
