"""``loopml run`` end to end: a project file becomes registered, evaluated, carded models.

Small real data (a CSV written by the test, with a sensitive column) keeps each run to seconds;
the bundled example project runs once with a smaller budget.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from loopml.evaluation import load_model_card
from loopml.pipelines import (
    PipelineStepError,
    ProjectInputError,
    StepStatus,
    example_project_text,
    export_reports,
    run_project,
)
from loopml.registry import get_model, get_model_version
from loopml.store import Stores
from loopml.store.models import RunRow

PROJECT = """\
project: loans
description: Which applicants repay.
goal:
  kpi: loans repaid
  success: [{{metric: roc_auc, min: 0.6}}, {{metric: f1, min: 0.5}}]
data: {{file: people.csv, target: repaid, id_column: id}}
split: {{ratios: [0.6, 0.2, 0.2], seed: 1}}
candidates:
  - name: logreg
    kind: logistic_regression
    params: {{max_iter: 500}}
{search}  - {{name: forest, kind: random_forest, params: {{n_estimators: 20, max_depth: 4}}}}
{baselines}tune: {{trials: 3, cv_folds: 2}}
evaluate:
  primary_metric: roc_auc
  slices: [region]
  fairness: {{sensitive_features: [sex], max_demographic_parity_difference: 0.5}}
  behaviour:
    - {{kind: invariance, column: region, values: [north, south]}}
  gate: [{{metric: f1, max_drop: 0.05}}]
  threshold: {{objective: cost, cost: {{fp: 1, fn: 3}}}}
"""
SEARCH = "    search: {C: {float: [0.01, 10.0], log: true}}\n"


def people(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows)
    debt = rng.normal(20, 8, rows)
    logit = 0.08 * (income - 50) - 0.1 * (debt - 20)
    return pd.DataFrame(
        {
            "id": np.arange(rows) + 1000 * seed,
            "income": income.round(2),
            "debt": debt.round(2),
            "sex": rng.choice(["f", "m"], rows),
            "region": rng.choice(["north", "south"], rows),
            "repaid": (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )


def write_project(
    folder: Path, *, search: bool = False, baselines: str = "", frame: pd.DataFrame | None = None
) -> Path:
    (people() if frame is None else frame).to_csv(folder / "people.csv", index=False)
    path = folder / "loopml.yaml"
    path.write_text(
        PROJECT.format(search=SEARCH if search else "", baselines=baselines), encoding="utf-8"
    )
    return path


def test_a_project_runs_end_to_end_and_reruns_from_cache(stores: Stores, tmp_path: Path) -> None:
    path = write_project(tmp_path)
    first = run_project(path)
    names = [s.name for s in first.pipeline.steps]
    assert names == [
        "data",
        "validate",
        "split",
        "baselines",
        "candidate.logreg",
        "candidate.forest",
        "select",
        "register",
        "evaluate",
    ]
    assert all(s.status is StepStatus.FINISHED for s in first.pipeline.steps)
    assert {r["name"] for r in first.ranking} == {"logreg", "forest"}
    (finalist,) = first.finalists
    assert finalist["model"] == "loans" and finalist["version"] == 1
    # The first version meeting its criteria becomes champion; it is always the challenger.
    model = get_model("loans")
    assert model.aliases["challenger"] == 1
    assert ("champion" in model.aliases) == (
        finalist["criteria_passed"] and finalist["fairness_passed"] is not False
    )
    version = get_model_version("loans", 1)
    assert version.tags["loopml.project"] == "loans"
    card = load_model_card("loans", 1, stores=stores)
    assert "Profile of loans.train v1 (train)" in card  # the training data's profile
    assert "- income: numeric, 0.0% missing" in card
    assert "<html" in load_model_card("loans", 1, fmt="html", stores=stores).lower()

    again = run_project(path)
    assert again.reused == names  # nothing changed: nothing ran
    assert again.finalists == first.finalists

    threshold = finalist["threshold"]
    assert threshold["chosen_on"] == "validation" and threshold["objective"] == "cost"
    assert set(threshold["test"]) >= {"precision", "recall", "f1"}

    files = export_reports(again, tmp_path / "reports")
    assert sorted(p.suffix for p in files) == [".html", ".html", ".json", ".md"]
    report = json.loads(next(p for p in files if p.suffix == ".json").read_text())
    assert "metrics" in json.dumps(report)


def test_changing_one_setting_reruns_only_what_depends_on_it(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    run_project(path)
    path.write_text(path.read_text().replace("max_drop: 0.05", "max_drop: 0.02"))
    second = run_project(path)
    ran = [s.name for s in second.pipeline.steps if s.status is StepStatus.FINISHED]
    assert ran == ["validate", "evaluate"]


def test_tuned_candidates_record_their_trials(sqlite_stores: Stores, tmp_path: Path) -> None:
    result = run_project(write_project(tmp_path, search=True))
    tuning = result.pipeline.outputs("candidate.logreg")["tuning"]
    assert tuning["trials"] == 3 and 0.01 <= tuning["best_params"]["C"] <= 10.0
    with sqlite_stores.metadata.session() as session:
        trial_runs = session.scalars(
            sa.select(RunRow).where(RunRow.parent_run_id == tuning["run_id"])
        ).all()
    assert len(trial_runs) == 3


def test_the_same_project_gives_the_same_metrics_bit_for_bit(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    first = run_project(path)
    second = run_project(path, use_cache=False)
    for name in ("candidate.logreg", "candidate.forest"):
        assert (
            first.pipeline.outputs(name)["valid_scores"]
            == second.pipeline.outputs(name)["valid_scores"]
        )


def test_a_missing_target_stops_before_any_training(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = write_project(tmp_path, frame=people().rename(columns={"repaid": "paid"}))
    with pytest.raises(PipelineStepError, match="target column 'repaid' is not in the data") as e:
        run_project(path)
    assert e.value.step == "validate"
    assert isinstance(e.value.__cause__, ProjectInputError)
    with sqlite_stores.metadata.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RunRow)) == 0


def test_a_test_file_overlapping_the_training_data_is_refused(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    people().head(50).to_csv(tmp_path / "holdout.csv", index=False)
    text = path.read_text()
    text = text.replace("id_column: id}", "id_column: id, test: {file: holdout.csv}}")
    path.write_text(text.replace("ratios: [0.6, 0.2, 0.2]", "ratios: [0.8, 0.2]"))
    with pytest.raises(PipelineStepError, match="overlaps the training set") as caught:
        run_project(path)
    assert caught.value.step == "split"


def test_a_separate_test_file_that_is_disjoint_is_used(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    people(200, seed=7).to_csv(tmp_path / "holdout.csv", index=False)
    text = path.read_text().replace("id_column: id}", "id_column: id, test: {file: holdout.csv}}")
    path.write_text(text.replace("ratios: [0.6, 0.2, 0.2]", "ratios: [0.8, 0.2]"))
    result = run_project(path)
    parts = result.pipeline.outputs("split")
    assert parts["test"]["rows"] == 200 and parts["test"]["name"] == "loans.holdout"
    assert parts["validation"]["name"] == "loans.validation"


def test_a_failed_rule_baseline_resumes_after_the_fix(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    rules = tmp_path / "loan_rules.py"
    rules.write_text("def predict(X):\n    raise RuntimeError('not written yet')\n")
    path = write_project(tmp_path, baselines="baselines: {rule: 'loan_rules:predict'}\n")
    with pytest.raises(PipelineStepError, match="not written yet") as caught:
        run_project(path)
    assert caught.value.step == "baselines"
    rules.write_text("def predict(X):\n    return (X['income'] > 50).astype(int)\n")
    resumed = run_project(path)
    statuses = {s.name: s.status for s in resumed.pipeline.steps}
    assert statuses["split"] is StepStatus.REUSED
    assert statuses["baselines"] is StepStatus.FINISHED
    assert "rule" in resumed.pipeline.outputs("baselines")["scores"]


def test_the_bundled_example_project_runs(sqlite_stores: Stores, tmp_path: Path) -> None:
    text = example_project_text()
    text = text.replace("sample_rows: 20000", "sample_rows: 3000")
    text = text.replace("trials: 12", "trials: 2")
    path = tmp_path / "loopml.yaml"
    path.write_text(text)
    result = run_project(path)
    (finalist,) = result.finalists
    assert finalist["model"] == "employment"
    assert finalist["headline"]["metric"] == "roc_auc"
    assert 0.5 < finalist["headline"]["value"] <= 1.0


def test_a_regression_project_ranks_on_rmse_by_default(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("""\
project: progression
goal: {kpi: disease progression forecast, success: [{metric: r2, min: 0.2}]}
data: {bundled: diabetes, target: target}
candidates:
  - {name: ridge, kind: sklearn:sklearn.linear_model.Ridge}
  - {name: forest, kind: random_forest, params: {n_estimators: 30, max_depth: 4}}
""")
    result = run_project(path)
    assert result.pipeline.outputs("validate")["task"] == "regression"
    assert result.pipeline.outputs("select")["metric"] == "rmse"
    scores = [r["score"] for r in result.ranking]
    assert scores == sorted(scores)  # smaller RMSE first
    (finalist,) = result.finalists
    assert finalist["headline"]["metric"] == "rmse"
    assert set(finalist["metrics"]) == {"rmse", "mae", "r2"}


def test_a_primary_metric_that_does_not_fit_the_task_is_refused(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("""\
project: progression
goal: {kpi: k, success: [{metric: r2, min: 0.2}]}
data: {bundled: diabetes, target: target}
candidates: [{name: ridge, kind: sklearn:sklearn.linear_model.Ridge}]
evaluate: {primary_metric: roc_auc}
""")
    with pytest.raises(PipelineStepError, match="'roc_auc' is not a regression metric"):
        run_project(path)


def test_a_second_version_is_gated_against_the_champion(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    first = run_project(path)
    assert first.finalists[0]["aliases"] == ["challenger", "champion"]
    assert first.finalists[0]["gate_passed"] is None  # nothing to compare with yet
    # A different forest: a new version, compared with the champion on the same test rows.
    path.write_text(path.read_text().replace("max_depth: 4", "max_depth: 2"))
    path.write_text(path.read_text().replace("max_iter: 500}", "max_iter: 500, C: 0.001}"))
    second = run_project(path)
    (finalist,) = second.finalists
    assert finalist["version"] == 2
    assert finalist["gate_passed"] is not None
    tags = get_model_version("loans", 2).tags
    assert tags["loopml.gate.passed"] == ("true" if finalist["gate_passed"] else "false")
    assert json.loads(tags["loopml.gate.verdict"])["passed"] == finalist["gate_passed"]
    assert get_model("loans").aliases["champion"] == 1  # promotion is the loop's next step


def test_a_threshold_for_a_regression_target_is_refused(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("""\
project: progression
goal: {kpi: k, success: [{metric: r2, min: 0.2}]}
data: {bundled: diabetes, target: target}
candidates: [{name: ridge, kind: sklearn:sklearn.linear_model.Ridge}]
evaluate: {threshold: {objective: f1}}
""")
    with pytest.raises(PipelineStepError, match="threshold is for a binary classifier"):
        run_project(path)


def test_a_custom_estimator_in_the_project_folder_is_found_and_keyed(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    """`kind: sklearn:<module.Class>` with the module next to the project file: importable
    wherever loopml runs from, and editing it retrains the candidate (and only what follows)."""
    import sys

    module = tmp_path / "loans_custom_models.py"
    module.write_text(
        "from sklearn.linear_model import LogisticRegression\n\n\n"
        "class Shrunk(LogisticRegression):\n"
        "    def __init__(self, C=0.1, max_iter=500):\n"
        "        super().__init__(C=C, max_iter=max_iter)\n"
    )
    path = write_project(tmp_path)
    text = path.read_text().replace(
        "kind: logistic_regression", "kind: 'sklearn:loans_custom_models.Shrunk'"
    )
    path.write_text(text)
    try:
        assert str(tmp_path) not in sys.path
        first = run_project(path)
        assert first.finalists and str(tmp_path) not in sys.path  # put back as it was
        module.write_text(module.read_text() + "\n# tuned the default\n")
        again = run_project(path)
        statuses = {s.name: s.status for s in again.pipeline.steps}
        assert statuses["split"] is StepStatus.REUSED
        assert statuses["candidate.forest"] is StepStatus.REUSED
        assert statuses["candidate.logreg"] is StepStatus.FINISHED
    finally:
        sys.modules.pop("loans_custom_models", None)
