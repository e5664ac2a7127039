"""fairness_report: fairlearn's numbers per sensitive feature, thresholds, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.linear_model import LogisticRegression

from loopml.core import InvalidValueError
from loopml.datasets import load_employment
from loopml.evaluation import FairnessThresholds, fairness_report


@pytest.fixture(scope="module")
def employment() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """2,000 real census rows, a logistic model's decisions, and the true labels."""
    people = load_employment(part="reference").sample(2000, random_state=3)
    features = pd.DataFrame(
        {
            "AGEP": people["AGEP"],
            "SCHL": people["SCHL"].astype(float),
            "DIS": people["DIS"].astype(float),
            "MAR": people["MAR"].astype(float),
        }
    )
    truth = people["employed"].to_numpy()
    model = LogisticRegression(max_iter=500).fit(features, truth)
    return people, truth, model.predict(features)


def test_values_equal_fairlearn_per_feature(employment) -> None:
    people, truth, decisions = employment
    sensitive = people[["SEX", "RAC1P"]]
    report = fairness_report(
        truth, decisions, sensitive_features=sensitive, thresholds=FairnessThresholds()
    )
    assert [f.feature for f in report.features] == ["SEX", "RAC1P"]
    for result in report.features:
        groups = people[result.feature].astype(str).to_numpy(dtype=object)
        frame = MetricFrame(
            metrics={
                "sr": selection_rate,
                "tpr": true_positive_rate,
                "fpr": false_positive_rate,
            },
            y_true=truth,
            y_pred=decisions,
            sensitive_features=groups,
        ).by_group
        for group in result.groups:
            expected = frame.loc[group.group]
            assert group.count == int((groups == group.group).sum())
            assert group.selection_rate == pytest.approx(expected["sr"], abs=1e-12)
            if not np.isnan(expected["tpr"]):
                assert group.true_positive_rate == pytest.approx(expected["tpr"], abs=1e-12)
            if not np.isnan(expected["fpr"]):
                assert group.false_positive_rate == pytest.approx(expected["fpr"], abs=1e-12)
        kwargs = {"sensitive_features": groups}
        assert (
            abs(
                result.demographic_parity_difference
                - demographic_parity_difference(truth, decisions, **kwargs)
            )
            <= 1e-12
        )
        assert (
            abs(
                result.demographic_parity_ratio
                - demographic_parity_ratio(truth, decisions, **kwargs)
            )
            <= 1e-12
        )
        assert (
            abs(
                result.equalized_odds_difference
                - equalized_odds_difference(truth, decisions, **kwargs)
            )
            <= 1e-12
        )
    data = report.to_dict()
    assert data["passed"] == report.passed
    assert {f["feature"] for f in data["features"]} == {"SEX", "RAC1P"}


def test_thresholds_fail_the_report_and_name_the_check() -> None:
    truth = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    decisions = np.array([1, 1, 1, 1, 0, 0, 1, 0])
    sex = pd.Series(["a", "a", "a", "a", "b", "b", "b", "b"], name="sex")
    strict = fairness_report(truth, decisions, sensitive_features=sex)
    assert not strict.passed
    assert strict.feature("sex").demographic_parity_difference == pytest.approx(0.75)
    assert any("demographic_parity_difference" in f for f in strict.failures)
    assert all(f.startswith("sex: ") for f in strict.failures)
    lenient = fairness_report(
        truth,
        decisions,
        sensitive_features=sex,
        thresholds=FairnessThresholds(
            max_demographic_parity_difference=None,
            min_demographic_parity_ratio=None,
            max_equalized_odds_difference=None,
        ),
    )
    assert lenient.passed and lenient.failures == ()


def test_a_fair_model_passes() -> None:
    truth = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    sex = pd.Series(["a", "a", "b", "b", "a", "a", "b", "b"], name="sex")
    report = fairness_report(truth, truth.copy(), sensitive_features=sex)
    assert report.passed
    assert report.feature("sex").demographic_parity_ratio == 1.0


def test_string_labels_with_pos_label() -> None:
    truth = np.array(["yes", "no", "yes", "no"])
    decisions = np.array(["yes", "no", "no", "no"])
    sex = pd.Series(["m", "m", "f", "f"], name="sex", dtype="str")
    report = fairness_report(truth, decisions, sensitive_features=sex, pos_label="yes")
    rates = {g.group: g.selection_rate for g in report.feature("sex").groups}
    assert rates == {"f": 0.0, "m": 0.5}


def test_bad_input_is_refused_before_anything_runs() -> None:
    truth = np.array([1, 0, 1, 0])
    one_group = pd.Series(["x"] * 4, name="sex")
    with pytest.raises(InvalidValueError, match="'sex' has only one group"):
        fairness_report(truth, truth, sensitive_features=one_group)
    two = pd.Series(["a", "b", "a", "b"], name="sex")
    with pytest.raises(InvalidValueError, match="same|align"):
        fairness_report(truth, truth[:3], sensitive_features=two)
    with pytest.raises(InvalidValueError, match="align"):
        fairness_report(truth, truth, sensitive_features=two[:3])
    with pytest.raises(InvalidValueError, match="empty"):
        fairness_report([], [], sensitive_features=pd.Series([], name="s"))
    with pytest.raises(InvalidValueError, match="binary"):
        fairness_report([0, 1, 2, 0], [0, 1, 2, 0], sensitive_features=two)
    with pytest.raises(InvalidValueError, match="missing"):
        fairness_report(truth, truth, sensitive_features=pd.Series(["a", None, "b", "a"], name="s"))
    with pytest.raises(InvalidValueError, match="DataFrame or Series"):
        fairness_report(truth, truth, sensitive_features=["a", "b", "a", "b"])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="pos_label"):
        fairness_report(truth, truth, sensitive_features=two, pos_label="yes")
    with pytest.raises(InvalidValueError, match="in \\[0, 1\\]"):
        FairnessThresholds(max_demographic_parity_difference=2.0)
    with pytest.raises(InvalidValueError, match="must be a number"):
        FairnessThresholds(min_demographic_parity_ratio="high")  # type: ignore[arg-type]
    report = fairness_report(truth, truth, sensitive_features=two)
    with pytest.raises(InvalidValueError, match="no sensitive feature 'race'"):
        report.feature("race")


def test_small_groups_can_be_left_out_of_the_verdict(employment) -> None:
    people, truth, decisions = employment
    race = people["RAC1P"]
    sizes = race.astype(str).value_counts()
    report = fairness_report(truth, decisions, sensitive_features=race, min_group_size=30)
    result = report.feature("RAC1P")
    assert {g.group for g in result.excluded_groups} == set(sizes[sizes < 30].index)
    assert {g.group for g in result.groups} == set(sizes[sizes >= 30].index)
    kept = race.astype(str).isin([g.group for g in result.groups]).to_numpy()
    groups = race.astype(str).to_numpy(dtype=object)[kept]
    expected = demographic_parity_difference(
        truth[kept], decisions[kept], sensitive_features=groups
    )
    assert abs(result.demographic_parity_difference - expected) <= 1e-12
    with pytest.raises(InvalidValueError, match="fewer than two groups with at least"):
        fairness_report(truth, decisions, sensitive_features=race, min_group_size=10**6)
    with pytest.raises(InvalidValueError, match="min_group_size"):
        fairness_report(truth, decisions, sensitive_features=race, min_group_size=0)
