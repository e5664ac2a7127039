"""``loopml tune``: a model kind tuned on a stored dataset through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import loopml
from loopml.datasets import load_breast_cancer, load_diabetes
from loopml.tracking import get_run, search_runs
from tests.cli.conftest import CliRunner

SEARCH = ["--search", "learning_rate=float:0.05:0.3:log", "--search", "num_leaves=int:4:16"]
FAST = ["--param", "n_estimators=10", "--trials", "3"]


@pytest.fixture
def cancer(cli: CliRunner) -> pd.DataFrame:
    frame = load_breast_cancer().sample(150, random_state=0).reset_index(drop=True)
    frame["grade"] = ["low", "mid", "high"] * 50  # a text column: encoded inside each fold
    loopml.log_dataset(frame, name="cancer-data")
    return frame


def test_tuning_prints_json_with_the_best_params_and_the_report(
    cli: CliRunner, cancer: pd.DataFrame
) -> None:
    result = cli("tune", "cancer-data", "--target", "target", *SEARCH, *FAST, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["metric"] == "roc_auc" and data["direction"] == "maximize"
    assert data["task"] == "classification"
    assert set(data["best_params"]) == {"learning_rate", "num_leaves"}
    assert data["best_spec"]["params"]["n_estimators"] == 10
    assert sum(data["trials"].values()) == 3
    report = Path(data["report_file"])
    assert data["report_artifact"] == "tuning_report.html" and "Tuning report" in report.read_text()
    parent = get_run(data["run_id"])
    assert parent.params["model.kind"] == "lightgbm" and parent.metrics["best_score"] == (
        pytest.approx(data["best_value"])
    )
    assert len(search_runs("tuning", filter=f"parent_run_id = '{data['run_id']}'")) == 3


def test_a_space_file_a_version_and_the_table_output(
    cli: CliRunner, cancer: pd.DataFrame, tmp_path: Path
) -> None:
    loopml.log_dataset(cancer.head(90), name="cancer-data")  # version 2; version 1 is tuned
    space = tmp_path / "space.yaml"
    space.write_text("num_leaves:\n  int: [4, 16]\nboosting_type:\n  categorical: [gbdt, goss]\n")
    result = cli(
        "tune",
        "cancer-data@1",
        "-t",
        "target",
        "--space",
        str(space),
        "--search",
        "num_leaves=int:4:8",
        *FAST,
        "--cv",
        "2",
        "--cv-kind",
        "kfold",
        "--sampler",
        "random",
        "--metric",
        "accuracy",
    )
    assert result.code == 0, result.err
    assert "best accuracy =" in result.out and "boosting_type" in result.out
    assert "trials: " in result.out and "parent run: " in result.out
    assert "report: artifact tuning_report.html" in result.out
    runs = search_runs("tuning")
    parent = runs[runs["parent_run_id"].isna()].iloc[0]
    assert parent["params.cv.folds"] == "2" and parent["params.cv.kind"] == "kfold"
    assert len(runs) == 4


def test_a_numeric_target_is_tuned_as_a_regression(cli: CliRunner) -> None:
    loopml.log_dataset(load_diabetes().head(120), name="sugar")
    result = cli(
        "tune",
        "sugar",
        "-t",
        "target",
        "--kind",
        "logistic_regression",
        "--search",
        "alpha=float:0.01:10:log",
        "--trials",
        "2",
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["task"] == "regression" and data["metric"] == "rmse"
    assert data["direction"] == "minimize"


BAD_INPUT = [
    (["nope", "-t", "target", *SEARCH], "nope"),
    (["cancer-data", "-t", "label", *SEARCH], "has no column 'label'"),
    (["cancer-data@x", "-t", "target", *SEARCH], "the version after @ must be a number"),
    (["cancer-data", "-t", "target", "--search", "num_leaves:int:4:16"], "write it as"),
    (["cancer-data", "-t", "target", "--search", "num_leaves=int:4"], "write it as"),
    (["cancer-data", "-t", "target", "--search", "lr=float:a:1"], "'a' is not a number"),
    (["cancer-data", "-t", "target", "--search", "lr=uniform:0:1"], "unknown kind"),
    (["cancer-data", "-t", "target", "--search", "num_leaves=int:16:4"], "low must be below"),
    (["cancer-data", "-t", "target", "--search", "leaves=int:4:16"], "does not accept"),
    (["cancer-data", "-t", "target", "--kind", "catboost", *SEARCH], "unknown model kind"),
    (["cancer-data", "-t", "target", *SEARCH, "--workers", "0"], "--workers must be 1"),
    (["cancer-data", "-t", "target", *SEARCH, "--cv", "1"], "folds >= 2"),
    (["cancer-data", "-t", "target", *SEARCH, "--cv-kind", "loo"], "unknown cross-valid"),
    (["cancer-data", "-t", "target", *SEARCH, "--param", "n_estimators"], "name=value"),
    (["cancer-data", "-t", "target"], "nothing to search"),
    (["cancer-data", "-t", "target", "--space", "missing.yaml"], "cannot be read"),
    (["cancer-data", "-t", "target", *SEARCH, "--metric", "auc"], "unknown classification"),
]


def test_bad_input_is_one_line_and_exit_1(cli: CliRunner, cancer: pd.DataFrame) -> None:
    for args, message in BAD_INPUT:
        result = cli("tune", *args)
        assert result.code == 1, (args, result.out)
        assert message in result.err, (args, result.err)
        assert result.err.strip().count("\n") == 0, result.err
    assert search_runs().empty


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("tune", "--help")
    assert result.code == 0 and "Example:" in result.out and "--search" in result.out
