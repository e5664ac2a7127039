"""The evaluation report: success criteria, JSON, one offline HTML page, stored on a run."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.linear_model import LogisticRegression

from loopml.core import InvalidValueError
from loopml.evaluation import (
    BehaviourSuite,
    CriterionOutcome,
    Directional,
    EvaluationReport,
    Gate,
    Invariance,
    check_success,
    compare_models,
    evaluate_model,
    fairness_report,
    slice_metrics,
)
from loopml.pipelines._project import SuccessCriterion
from loopml.store import Stores
from loopml.tracking import get_run, start_run

FEATURES = ["x1", "x2"]


class StandInExplanations:
    """Shaped like loopml.evaluation's Explanations (to_dict, figures, global_importance)."""

    def __init__(self) -> None:
        self.global_importance = pd.DataFrame(
            {"feature": ["x1", "x2"], "mean_abs_shap": [np.float64(0.8), 0.1]}
        )

    def to_dict(self) -> dict[str, Any]:
        return {"global_importance": self.global_importance.to_dict(orient="records")}

    def figures(self) -> dict[str, go.Figure]:
        imp = self.global_importance
        return {"importance": go.Figure(go.Bar(x=imp["mean_abs_shap"], y=imp["feature"]))}


class StandInShortcut:
    """Shaped like loopml.evaluation's ShortcutWarning."""

    kind = "proxy"
    feature = "x2"
    message = "x2 <b>alone</b> predicts much of the target"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "feature": self.feature, "message": self.message}


@cache
def scenario() -> dict[str, Any]:
    """A model that is good in the north and guesses in the south, with every result on it.

    The south's labels are noise, so its slice is flagged and the true positive rates of the
    two regions differ (equalized odds fails); the challenger sees only x2 and is worse.
    """
    rng = np.random.default_rng(7)
    rows = 600
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=rows),
            "x2": rng.normal(size=rows),
            "region": np.where(np.arange(rows) % 3 == 0, "south", "north"),
        }
    )
    signal = (frame["x1"] + 0.3 * rng.normal(size=rows) > 0).astype(int)
    noise = rng.integers(0, 2, rows)
    frame["target"] = np.where(frame["region"] == "south", noise, signal)
    model = LogisticRegression().fit(frame[FEATURES], frame["target"])
    challenger = LogisticRegression().fit(frame[["x2"]], frame["target"])
    test = frame[[*FEATURES, "target"]]
    evaluation = evaluate_model(model, test, target="target", n_resamples=200)
    predicted = model.predict(frame[FEATURES])
    truth = frame["target"].to_numpy()
    slices = slice_metrics(frame, truth, predicted, columns=["region"], n_resamples=200)
    fairness = fairness_report(truth, predicted, sensitive_features=frame["region"])
    comparison = compare_models(
        truth,
        predicted,
        challenger.predict(frame[["x2"]]),
        task="classification",
        n_resamples=200,
    )
    verdict = Gate.from_config([{"metric": "accuracy", "max_drop": 0.01}]).evaluate(comparison)
    behaviour = BehaviourSuite(
        checks=(
            Directional(column="x1", change=1.0, expect="increase"),
            Invariance(column="x2", values=(5.0,)),
        )
    ).run(model, frame[FEATURES])
    return {
        "frame": frame,
        "evaluation": evaluation,
        "slices": slices,
        "fairness": fairness,
        "comparison": comparison,
        "verdict": verdict,
        "behaviour": behaviour,
    }


def full_report() -> EvaluationReport:
    parts = scenario()
    evaluation = parts["evaluation"]
    criteria = check_success(
        [SuccessCriterion(metric="roc_auc", min=0.99), {"metric": "accuracy", "min": 0.5}],
        evaluation.metrics,
    )
    return EvaluationReport(
        title="Churn model <script>alert(1)</script>",
        model="churn v2",
        dataset="customers v1 (test split, 600 rows)",
        evaluation=evaluation,
        goal="Keep 5% more customers",
        criteria=criteria,
        baselines={"majority class": {"accuracy": 0.5, "roc_auc": 0.5}},
        slices=parts["slices"],
        fairness=parts["fairness"],
        comparison=parts["comparison"],
        verdict=parts["verdict"],
        behaviour=parts["behaviour"],
        explanations=StandInExplanations(),
        warnings=[StandInShortcut()],
    )


def minimal_report() -> EvaluationReport:
    return EvaluationReport(
        title="Plain", model="m", dataset="d", evaluation=scenario()["evaluation"]
    )


# -- success criteria ---------------------------------------------------------------------------


def test_criteria_pass_fail_and_unmeasured() -> None:
    metrics = {"roc_auc": 0.91, "rmse": 3.0, "broken": float("nan")}
    outcomes = check_success(
        [
            SuccessCriterion(metric="roc_auc", min=0.9),
            {"metric": "rmse", "max": 2.5},
            {"metric": "rmse", "min": 1.0, "max": 3.0},
            {"metric": "recall", "min": 0.5},
            {"metric": "broken", "max": 1.0},
        ],
        metrics,
    )
    assert [o.passed for o in outcomes] == [True, False, True, False, False]
    assert outcomes[0] == CriterionOutcome("roc_auc", 0.9, None, 0.91, True)
    assert outcomes[3].value is None and outcomes[4].value is None
    assert outcomes[3].describe() == "recall >= 0.5: not measured"
    assert outcomes[2].requirement == "between 1 and 3"
    assert outcomes[1].to_dict() == {
        "metric": "rmse",
        "min": None,
        "max": 2.5,
        "value": 3.0,
        "passed": False,
    }


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ("roc_auc", "criteria must be a list"),
        ([{"metric": "f1"}], "needs min, max or both"),
        ([{"metric": "", "min": 1}], "metric must be a metric name"),
        ([{"metric": "f1", "min": "high"}], "min must be a number"),
        ([{"metric": "f1", "min": 0.9, "max": 0.1}], "min 0.9 is above max 0.1"),
        ([{"metric": "f1", "min": 0.5, "limit": 1}], "unknown key(s) ['limit']"),
        ([42], "criterion 0 must have metric"),
    ],
)
def test_bad_criteria_are_refused(criteria: Any, message: str) -> None:
    with pytest.raises(InvalidValueError, match=re.escape(message)):
        check_success(criteria, {"f1": 0.5})


def test_metrics_must_be_a_mapping() -> None:
    with pytest.raises(InvalidValueError, match="metrics must be a mapping"):
        check_success([{"metric": "f1", "min": 0.5}], [0.5])


# -- JSON ---------------------------------------------------------------------------------------


def test_json_round_trip_holds_every_part_unchanged() -> None:
    report = full_report()
    parts = scenario()
    text = report.to_json()
    data = json.loads(text)
    assert data == report.to_dict()
    assert "NaN" not in text
    assert data["format"] == "loopml.evaluation_report" and data["format_version"] == 1
    assert data["evaluation"] == parts["evaluation"].to_dict()
    assert data["fairness"] == json.loads(json.dumps(parts["fairness"].to_dict()))
    assert data["comparison"]["metrics"][0]["metric"] == "accuracy"
    assert data["verdict"] == parts["verdict"].to_dict()
    assert data["behaviour"]["num_failed"] == parts["behaviour"].num_failed
    assert data["explanations"]["global_importance"][0] == {
        "feature": "x1",
        "mean_abs_shap": 0.8,
    }
    assert data["warnings"] == [StandInShortcut().to_dict()]
    slices = parts["slices"]
    assert [row["value"] for row in data["slices"]] == slices["value"].tolist()
    for row, score in zip(data["slices"], slices["score"], strict=True):
        assert row["score"] == pytest.approx(score, abs=1e-12)
    summary = data["summary"]
    headline = parts["evaluation"].headline
    assert summary["headline"]["value"] == parts["evaluation"].metrics[headline]
    assert summary["criteria_passed"] is False  # roc_auc >= 0.99 is missed
    assert summary["gate_passed"] is False and summary["fairness_passed"] is False
    assert summary["flagged_slices"] == 1 and summary["warnings"] == 1


def test_flagged_slice_and_failed_checks_come_from_the_scenario() -> None:
    parts = scenario()
    flagged = parts["slices"][parts["slices"]["flagged"]]
    assert flagged["value"].tolist() == ["south"]
    assert not parts["fairness"].passed and not parts["verdict"].passed
    assert parts["behaviour"].num_passed == 1 and parts["behaviour"].num_failed == 1


def test_json_of_a_minimal_report_has_empty_sections() -> None:
    data = json.loads(minimal_report().to_json())
    assert data["criteria"] == [] and data["baselines"] == {} and data["warnings"] == []
    for key in ("slices", "fairness", "comparison", "verdict", "behaviour", "explanations"):
        assert data[key] is None
    assert data["summary"]["criteria_passed"] is None and data["summary"]["problems"] == []


def test_nan_becomes_null() -> None:
    report = EvaluationReport(
        title="t",
        model="m",
        dataset="d",
        evaluation=scenario()["evaluation"],
        baselines={"odd": {"accuracy": float("nan"), "f1": np.float32(0.5)}},
    )
    baseline = json.loads(report.to_json())["baselines"]["odd"]
    assert baseline == {"accuracy": None, "f1": 0.5}


# -- HTML ---------------------------------------------------------------------------------------


def _body(page: str) -> str:
    return page.split("<body>", 1)[1]


def test_full_page_has_every_section_plotly_once_and_no_outside_links() -> None:
    page = full_report().to_html()
    for section in (
        "summary",
        "criteria",
        "gate",
        "metrics",
        "comparison",
        "slices",
        "fairness",
        "behaviour",
        "explanations",
        "warnings",
    ):
        assert f'id="{section}"' in page, section
    assert page.count("* plotly.js v") == 1  # the library, embedded once
    # 4 evaluation plots, the comparison, the slices, one sensitive feature, one explanation
    assert page.count('class="figure"') == 8
    assert len(re.findall(r'id="plot-\d+"', page)) == 8
    body = _body(page)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "https://" not in body and "http://" not in body
    assert 'class="flagged"' in body  # the south slice is highlighted
    assert "majority class" in body  # the baseline column


def test_user_strings_are_escaped() -> None:
    page = full_report().to_html()
    assert "<script>alert(1)</script>" not in page
    assert "Churn model &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "x2 &lt;b&gt;alone&lt;/b&gt; predicts" in page


def test_summary_states_criteria_gate_and_warnings() -> None:
    summary = _body(full_report().to_html()).split('id="criteria"')[0]
    assert "1 / 2 met" in summary
    assert "FAILED" in summary  # the gate
    assert "Success criterion roc_auc &gt;= 0.99: missed" in summary
    assert "Promotion gate failed" in summary
    assert "Warning: x2" in summary
    headline = scenario()["evaluation"]
    low, high = headline.interval
    assert f"95% interval {low:.4f} – {high:.4f}" in summary


def test_minimal_page_has_only_the_sections_it_has_data_for() -> None:
    page = minimal_report().to_html()
    assert 'id="summary"' in page and 'id="metrics"' in page
    for section in ("criteria", "gate", "comparison", "slices", "fairness", "behaviour"):
        assert f'id="{section}"' not in page
    assert 'id="explanations"' not in page and 'id="warnings"' not in page
    assert page.count('class="figure"') == 4


def test_rendering_is_deterministic() -> None:
    report = full_report()
    assert report.to_html() == report.to_html()


# -- saving on a run ----------------------------------------------------------------------------


def test_save_stores_html_and_json_on_the_run(stores: Stores) -> None:
    report = full_report()
    with start_run("evaluation", stores=stores) as run:
        names = report.save(run, name="reports/holdout")
    assert names == ("reports/holdout.html", "reports/holdout.json")
    artifacts = {a.path: a.digest for a in get_run(run.id, stores=stores).artifacts}
    html = stores.artifacts.get_bytes(artifacts["reports/holdout.html"]).decode()
    data = json.loads(stores.artifacts.get_bytes(artifacts["reports/holdout.json"]))
    assert html == report.to_html()
    assert data == report.to_dict()


def test_save_refuses_something_that_is_not_a_run() -> None:
    with pytest.raises(InvalidValueError, match="must be a loopml.tracking Run"):
        minimal_report().save("run-id")
    with pytest.raises(InvalidValueError, match="non-blank name"):
        minimal_report().save(_FakeRun(), name=" ")


class _FakeRun:
    def log_text(self, text: str, name: str) -> str:
        return name


# -- bad input ----------------------------------------------------------------------------------


def _with(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "t",
        "model": "m",
        "dataset": "d",
        "evaluation": scenario()["evaluation"],
    }
    return base | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "report title must be a non-blank string"),
        ({"model": None}, "report model must be a non-blank string"),
        ({"evaluation": {"roc_auc": 0.9}}, "report evaluation must be a ModelEvaluation"),
        ({"goal": 3}, "report goal must be text"),
        ({"criteria": [{"metric": "f1"}]}, "criteria must be a list of CriterionOutcome"),
        ({"baselines": {"dummy": 0.5}}, "baseline 'dummy' must be a name with a mapping"),
        ({"baselines": {"dummy": {"f1": "high"}}}, "metric 'f1' must be a number"),
        ({"slices": pd.DataFrame({"score": [1.0]})}, "slices lacks column(s)"),
        ({"slices": [1, 2]}, "slices must be the DataFrame from slice_metrics"),
        ({"fairness": "fair"}, "report fairness must be a FairnessReport"),
        ({"comparison": 1}, "report comparison must be a Comparison"),
        ({"verdict": True}, "report verdict must be a GateVerdict"),
        ({"behaviour": []}, "report behaviour must be a BehaviourReport"),
        ({"explanations": object()}, "explanations must have to_dict()"),
        ({"warnings": "leak"}, "warnings must be a list"),
        ({"warnings": [3]}, "a warning must be a message"),
        ({"warnings": [{"kind": "proxy"}]}, "a warning needs a message"),
    ],
)
def test_bad_parts_are_refused_with_a_clear_message(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError, match=re.escape(message)):
        EvaluationReport(**_with(**changes))


def test_explanation_figures_must_be_a_mapping_of_figures() -> None:
    class BadFigures(StandInExplanations):
        def figures(self) -> Any:
            return [go.Figure()]

    class NotFigures(StandInExplanations):
        def figures(self) -> Any:
            return {"x": "not a figure"}

    with pytest.raises(InvalidValueError, match="must return a mapping"):
        EvaluationReport(**_with(explanations=BadFigures())).to_html()
    with pytest.raises(InvalidValueError, match="expected a plotly Figure"):
        EvaluationReport(**_with(explanations=NotFigures())).to_html()


def test_plain_message_warnings_are_accepted() -> None:
    report = EvaluationReport(**_with(warnings=["the test set is from 2019"]))
    assert report.to_dict()["warnings"] == [
        {"message": "the test set is from 2019", "kind": "warning", "feature": None}
    ]
    assert not math.isnan(report.to_dict()["summary"]["headline"]["value"])
