"""Gate: typed rules from plain data, verdicts with reasons, stored on the model version."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.linear_model import LogisticRegression

from loopml.core import InvalidValueError, NotFoundError
from loopml.evaluation import (
    FairnessRule,
    Gate,
    GateVerdict,
    MetricRule,
    SignificanceRule,
    compare_models,
    fairness_report,
    record_gate_verdict,
)
from loopml.registry import get_model_version, register_model
from loopml.store import Stores, models

TRUTH = np.array([1, 0] * 50)
GROUPS = pd.Series(["a", "a", "b", "b"] * 25, name="group")


def _comparison(challenger_errors: int, champion_errors: int = 0):  # noqa: ANN202
    champion = TRUTH.copy()
    champion[:champion_errors] = 1 - champion[:champion_errors]
    challenger = TRUTH.copy()
    challenger[:challenger_errors] = 1 - challenger[:challenger_errors]
    return compare_models(
        TRUTH, champion, challenger, task="classification", metrics=["accuracy", "f1"]
    ), challenger


def test_rules_from_config_and_a_passing_verdict() -> None:
    gate = Gate.from_config(
        [
            {"metric": "f1", "max_drop": 0.01},
            {"fairness": "must_pass"},
            {"significance": {"alpha": 0.05, "worse": "fail"}},
        ]
    )
    assert gate.rules == (
        MetricRule(metric="f1", max_drop=0.01),
        FairnessRule(),
        SignificanceRule(alpha=0.05, worse="fail"),
    )
    comparison, challenger = _comparison(challenger_errors=0, champion_errors=4)
    fairness = fairness_report(TRUTH, challenger, sensitive_features=GROUPS)
    verdict = gate.evaluate(comparison, fairness=fairness)
    assert verdict.passed
    assert [o.passed for o in verdict.outcomes] == [True, True, True]
    assert verdict.reasons[0].startswith("metric f1: champion")


def test_a_metric_drop_and_a_significant_loss_fail_with_reasons() -> None:
    comparison, _ = _comparison(challenger_errors=20)
    gate = Gate(
        rules=(MetricRule(metric="accuracy", max_drop=0.01, min_value=0.9), SignificanceRule())
    )
    verdict = gate.evaluate(comparison)
    assert not verdict.passed
    assert "dropped by 0.2000" in verdict.reasons[0] and "< 0.9" in verdict.reasons[0]
    assert "FAIL, challenger significantly worse" in verdict.reasons[1]
    warn = Gate(rules=(SignificanceRule(worse="warn"),)).evaluate(comparison)
    assert warn.passed and "WARNING" in warn.reasons[0]
    exact = Gate(rules=(MetricRule(metric="accuracy", max_drop=0.2),)).evaluate(comparison)
    assert exact.passed  # a drop of exactly the limit is allowed


def test_failing_fairness_fails_the_gate() -> None:
    comparison, _ = _comparison(challenger_errors=0)
    biased = np.where(GROUPS == "a", 1, 0)
    fairness = fairness_report(TRUTH, biased, sensitive_features=GROUPS)
    verdict = Gate(rules=(FairnessRule(),)).evaluate(comparison, fairness=fairness)
    assert not verdict.passed
    assert "group: demographic_parity_difference" in verdict.reasons[0]


def test_bad_gates_are_refused_with_every_problem() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Gate.from_config(
            [
                {"metric": "f1", "max_drop": 0.01, "typo": 1},
                {"fairness": "should_pass"},
                {"significance": {"alpha": 2}},
                {"speed": "fast"},
            ]
        )
    message = str(caught.value)
    for expected in ("rule 0", "typo", "should_pass", "alpha must be in (0, 1)", "rule 3"):
        assert expected in message
    with pytest.raises(InvalidValueError, match="needs max_drop"):
        Gate.from_config([{"metric": "f1"}])
    with pytest.raises(InvalidValueError, match="max_drop must be >= 0"):
        Gate(rules=(MetricRule(metric="f1", max_drop=-1),))
    with pytest.raises(InvalidValueError, match="at least one rule"):
        Gate.from_config([])
    with pytest.raises(InvalidValueError, match="list of rules"):
        Gate.from_config("f1")  # type: ignore[arg-type]
    comparison, _ = _comparison(challenger_errors=0)
    with pytest.raises(InvalidValueError, match="was not compared"):
        Gate(rules=(MetricRule(metric="recall", max_drop=0.1),)).evaluate(comparison)
    with pytest.raises(InvalidValueError, match="no fairness report"):
        Gate(rules=(FairnessRule(),)).evaluate(comparison)


def test_the_verdict_is_recorded_on_the_model_version(stores: Stores) -> None:
    frame = pd.DataFrame({"x": np.linspace(0, 1, 20)})
    model = LogisticRegression().fit(frame, [0] * 10 + [1] * 10)
    register_model(model, "churn", sample=frame[:2])
    comparison, _ = _comparison(challenger_errors=20)
    verdict = Gate.from_config([{"metric": "f1", "max_drop": 0.01}]).evaluate(comparison)
    updated = record_gate_verdict("churn", 1, verdict)
    assert updated.tags["loopml.gate.passed"] == "false"
    stored = get_model_version("churn", 1).tags["loopml.gate.verdict"]
    assert GateVerdict.from_dict(json.loads(stored)) == verdict
    with stores.metadata.session() as session:
        actions = session.scalars(
            sa.select(models.AuditEventRow.action).where(
                models.AuditEventRow.entity_type == "model_version"
            )
        ).all()
    assert "model_version.update" in actions
    with pytest.raises(NotFoundError):
        record_gate_verdict("churn", 7, verdict)
    with pytest.raises(NotFoundError):
        record_gate_verdict("nope", 1, verdict)
    with pytest.raises(InvalidValueError, match="GateVerdict"):
        record_gate_verdict("churn", 1, {"passed": True})  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="format_version"):
        GateVerdict.from_dict({"format_version": 99, "passed": True, "outcomes": []})
