"""``loopml evaluate``: a registered model scored on a stored dataset, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score

import loopml
from loopml.datasets import load_breast_cancer, load_diabetes
from loopml.registry import register_model
from tests.cli.conftest import CliRunner


@pytest.fixture
def classifier(cli: CliRunner) -> float:
    frame = load_breast_cancer()
    features = frame.drop(columns="target")
    model = LogisticRegression(max_iter=5000).fit(features, frame["target"])
    register_model(model, "cancer", sample=features.head(), aliases=["champion"])
    loopml.log_dataset(frame, name="cancer-data")
    return float(roc_auc_score(frame["target"], model.predict_proba(features)[:, 1]))


def test_a_classifier_gets_its_metrics_interval_and_plots(
    cli: CliRunner, classifier: float, tmp_path: Path
) -> None:
    out = tmp_path / "eval.html"
    result = cli(
        "evaluate",
        "models:/cancer@champion",
        "cancer-data",
        "-t",
        "target",
        "-o",
        str(out),
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["task"] == "classification" and data["rows"] == 569
    assert data["headline"]["metric"] == "roc_auc"
    assert data["headline"]["value"] == pytest.approx(classifier, abs=1e-12)
    low, high = data["headline"]["interval"]
    assert low <= classifier <= high
    page = out.read_text()
    assert page.count('class="figure"') == 4 and "https://" not in page.split("<body>")[1][:2000]
    table = cli("evaluate", "cancer", "cancer-data", "--target", "target")
    assert table.code == 0 and "95% bootstrap interval" in table.out


def test_a_regressor_is_scored_by_rmse(cli: CliRunner) -> None:
    frame = load_diabetes()
    features = frame.drop(columns="target")
    register_model(
        LinearRegression().fit(features, frame["target"]), "sugar", sample=features.head()
    )
    loopml.log_dataset(frame, name="sugar-data")
    data = json.loads(cli("evaluate", "sugar", "sugar-data", "-t", "target", "--json").out)
    assert data["task"] == "regression" and data["headline"]["metric"] == "rmse"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cancer", "cancer-data", "-t", "nope"], "target column 'nope' is not in the data"),
        (["missing-model", "cancer-data", "-t", "target"], "available: cancer"),
        (["cancer", "no-data", "-t", "target"], "available: cancer-data"),
        (["cancer", "cancer-data", "-t", "target", "--version", "7"], "available: 1"),
    ],
)
def test_bad_input_is_one_line(
    cli: CliRunner, classifier: float, args: list[str], message: str
) -> None:
    result = cli("evaluate", *args)
    assert result.code == 1 and message in result.err and result.err.startswith("error: ")


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("evaluate", "--help")
    assert result.code == 0 and "Example" in result.out


def test_the_html_is_the_evaluation_report(
    cli: CliRunner, classifier: float, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "eval.html"  # a missing folder is made
    result = cli("evaluate", "cancer", "cancer-data", "-t", "target", "-o", str(out))
    assert result.code == 0, result.err
    assert f"report in {out}" in " ".join(result.out.split())
    page = out.read_text()
    body = page.split("<body>", 1)[1]
    assert 'id="summary"' in body and 'id="metrics"' in body
    assert "datasets:/cancer-data/1 (569 rows)" in body
    assert f"{classifier:.4f}" in body.split('id="metrics"')[0]  # the headline in the summary
    assert page.count("* plotly.js v") == 1 and "https://" not in body
