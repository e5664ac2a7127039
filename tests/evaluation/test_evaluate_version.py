"""``evaluate_version``: a registered version judged on a stored dataset, the report on a run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

import loopml
from loopml.core import InvalidValueError, NotFoundError
from loopml.datasets import load_breast_cancer, load_wine
from loopml.evaluation import FairnessThresholds, evaluate_version
from loopml.registry import get_model_version, register_model
from loopml.store import Stores
from loopml.tracking import get_run, search_runs


def people() -> pd.DataFrame:
    """Breast cancer rows with an id and a made-up group: columns that are not features."""
    frame = load_breast_cancer()
    rng = np.random.default_rng(0)
    return frame.assign(row_id=np.arange(len(frame)), group=rng.choice(["a", "b"], len(frame)))


@pytest.fixture
def two_versions(stores: Stores) -> pd.DataFrame:
    frame = people()
    features = frame.drop(columns=["target", "row_id", "group"])
    weak = LogisticRegression(max_iter=200, C=0.0005).fit(features, frame["target"])
    strong = LogisticRegression(max_iter=5000).fit(features, frame["target"])
    register_model(weak, "cancer", sample=features.head(), aliases=["champion"])
    register_model(strong, "cancer", sample=features.head(), aliases=["challenger"])
    loopml.log_dataset(frame, name="patients")
    return frame


def test_the_report_and_metrics_are_stored_on_an_evaluation_run(
    stores: Stores, two_versions: pd.DataFrame
) -> None:
    stored = evaluate_version(
        "models:/cancer@challenger",
        "patients",
        target="target",
        drop=["row_id", "group"],
        slices=["group"],
        sensitive_features=["group"],
        fairness_thresholds=FairnessThresholds(max_demographic_parity_difference=0.5),
        explain=False,
    )
    assert (stored.model.name, stored.model.version) == ("cancer", 2)
    features = two_versions.drop(columns=["target", "row_id", "group"])
    model = LogisticRegression(max_iter=5000).fit(features, two_versions["target"])
    expected = roc_auc_score(two_versions["target"], model.predict_proba(features)[:, 1])
    assert stored.report.evaluation.metrics["roc_auc"] == pytest.approx(expected, abs=1e-12)
    assert set(stored.report.slices["value"]) == {"a", "b"}
    assert stored.report.fairness is not None and stored.report.fairness.passed

    run = get_run(stored.run_id)
    assert run.experiment == "evaluation" and run.tags["loopml.model"] == "cancer/2"
    assert [i.context for i in run.inputs] == ["evaluation"]
    assert run.metrics["test_roc_auc"] == pytest.approx(expected, abs=1e-12)
    by_path = {a.path: a for a in run.artifacts}
    assert {stored.html_artifact, stored.json_artifact} <= set(by_path)
    document = json.loads(stores.artifacts.get_bytes(by_path[stored.json_artifact].digest))
    assert document["summary"]["fairness_passed"] is True
    assert document["dataset"] == "datasets:/patients/1 (569 rows)"


def test_against_the_champion_the_gate_verdict_lands_on_the_version(
    stores: Stores, two_versions: pd.DataFrame
) -> None:
    stored = evaluate_version(
        "models:/cancer/2",
        "patients",
        target="target",
        drop=["row_id", "group"],
        against="models:/cancer@champion",
        gate=[{"metric": "accuracy", "max_drop": 0.0}],
        explain=False,
    )
    comparison = stored.report.comparison
    assert comparison is not None and stored.verdict is not None and stored.verdict.passed
    features = two_versions.drop(columns=["target", "row_id", "group"])
    weak = LogisticRegression(max_iter=200, C=0.0005).fit(features, two_versions["target"])
    champion_accuracy = accuracy_score(two_versions["target"], weak.predict(features))
    delta = comparison.metric("accuracy")
    assert delta.champion == pytest.approx(champion_accuracy, abs=1e-12)
    tags = get_model_version("cancer", 2).tags
    assert tags["loopml.gate.passed"] == "true"
    assert "loopml.gate.passed" not in get_model_version("cancer", 1).tags


def test_explanations_and_shortcut_warnings_are_in_the_report(
    stores: Stores, two_versions: pd.DataFrame
) -> None:
    stored = evaluate_version("cancer", "patients", target="target", drop=["row_id", "group"])
    explanations = stored.report.explanations
    assert explanations is not None
    assert set(explanations.permutation["feature"]) == set(
        two_versions.drop(columns=["target", "row_id", "group"]).columns
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"target": "nope", "slices": ["region"], "drop": ["row_id"]},
            "target column 'nope' is not in the data; slices: 'region' not in the data",
        ),
        ({"target": "target", "sensitive_features": ["gone"]}, "'gone' not in the data"),
        ({"target": "target", "gate": [{"metric": "f1", "max_drop": 0.1}]}, "give `against`"),
        ({"target": "target", "slices": "group"}, "slices must be a list of column names"),
        ({"target": "target", "min_group_size": 0}, "min_group_size must be a positive"),
        ({"target": "target", "experiment": "a/b"}, "experiment name 'a/b'"),
        ({"target": "target", "intended_use": 3}, "intended_use must be text"),
        (
            {"target": "target", "against": "cancer", "gate": [{"metric": "f1", "max_drop": -1}]},
            "invalid gate",
        ),
    ],
)
def test_bad_arguments_stop_before_anything_is_scored_or_stored(
    stores: Stores, two_versions: pd.DataFrame, kwargs: dict[str, object], message: str
) -> None:
    before = len(search_runs(stores=stores))
    with pytest.raises(InvalidValueError, match=message.replace("(", r"\(")):
        evaluate_version("cancer", "patients", explain=False, **kwargs)  # type: ignore[arg-type]
    assert len(search_runs(stores=stores)) == before


def test_fairness_of_a_multiclass_target_is_refused(stores: Stores) -> None:
    frame = load_wine().assign(group=lambda f: np.where(f.index % 2, "x", "y"))
    features = frame.drop(columns=["target", "group"])
    register_model(LogisticRegression(max_iter=5000).fit(features, frame["target"]), "wine")
    loopml.log_dataset(frame, name="wines")
    with pytest.raises(InvalidValueError, match="for binary classifiers; 'target' has 3"):
        evaluate_version(
            "wine", "wines", target="target", drop=["group"], sensitive_features=["group"]
        )


@pytest.mark.parametrize(
    ("model", "dataset", "message"),
    [
        ("models:/cancer@nobody", "patients", "nobody"),
        ("cancer", "nothing-here", "available: patients"),
        ("unknown-model", "patients", "available: cancer"),
    ],
)
def test_unknown_models_and_datasets_are_not_found(
    stores: Stores, two_versions: pd.DataFrame, model: str, dataset: str, message: str
) -> None:
    with pytest.raises(NotFoundError, match=message):
        evaluate_version(model, dataset, target="target", explain=False)


def test_a_version_without_a_card_gets_one_and_keeps_it(
    stores: Stores, two_versions: pd.DataFrame
) -> None:
    from loopml.evaluation import load_model_card

    first = evaluate_version(
        "cancer",
        "patients",
        target="target",
        drop=["row_id", "group"],
        explain=False,
        intended_use="flag scans for a second reading",
    )
    assert first.model_card_written
    card = load_model_card("cancer", 2)
    assert "flag scans for a second reading" in card and first.run_id in card
    assert "patients" in card
    again = evaluate_version(
        "cancer",
        "patients",
        target="target",
        drop=["row_id", "group"],
        explain=False,
        intended_use="something else",
    )
    assert not again.model_card_written
    assert load_model_card("cancer", 2) == card
    skipped = evaluate_version(
        "models:/cancer@champion",
        "patients",
        target="target",
        drop=["row_id", "group"],
        explain=False,
        model_card=False,
    )
    assert not skipped.model_card_written
    with pytest.raises(NotFoundError):
        load_model_card("cancer", 1)


def test_progress_names_each_part_as_it_starts(stores: Stores, two_versions: pd.DataFrame) -> None:
    seen: list[tuple[str, int, int]] = []
    evaluate_version(
        "cancer",
        "patients",
        target="target",
        drop=["row_id", "group"],
        slices=["group"],
        against="models:/cancer@champion",
        explain=False,
        progress=lambda part, done, total: seen.append((part, done, total)),
    )
    assert seen == [
        ("scoring", 0, 4),
        ("slices", 1, 4),
        ("comparison", 2, 4),
        ("storing the report", 3, 4),
        ("done", 4, 4),
    ]
