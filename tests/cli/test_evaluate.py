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
        "--no-explain",
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
    assert f"page written to {out}" in " ".join(result.out.split())
    page = out.read_text()
    body = page.split("<body>", 1)[1]
    assert 'id="summary"' in body and 'id="metrics"' in body
    assert "datasets:/cancer-data/1 (569 rows)" in body
    assert f"{classifier:.4f}" in body.split('id="metrics"')[0]  # the headline in the summary
    assert page.count("* plotly.js v") == 1 and "https://" not in body


@pytest.fixture
def champion_and_challenger(cli: CliRunner) -> None:
    frame = load_breast_cancer()
    frame = frame.assign(row_id=range(len(frame)), group=["a", "b"] * (len(frame) // 2) + ["a"])
    features = frame.drop(columns=["target", "row_id", "group"])
    weak = LogisticRegression(max_iter=200, C=0.0005).fit(features, frame["target"])
    strong = LogisticRegression(max_iter=5000).fit(features, frame["target"])
    register_model(weak, "tumours", sample=features.head(), aliases=["champion"])
    register_model(strong, "tumours", sample=features.head(), aliases=["challenger"])
    loopml.log_dataset(frame, name="tumour-data")


def test_slices_fairness_and_a_gate_against_the_champion(
    cli: CliRunner, champion_and_challenger: None, tmp_path: Path
) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text("- {metric: accuracy, max_drop: 0.0}\n- {fairness: must_pass}\n")
    args = ["evaluate", "models:/tumours@challenger", "tumour-data", "-t", "target"]
    args += ["--drop", "row_id", "--drop", "group", "--slice", "group", "--sensitive", "group"]
    args += ["--max-dp-difference", "0.5", "--max-eo-difference", "0.5", "--min-dp-ratio", "0.5"]
    args += ["--against", "models:/tumours@champion", "--gate", str(gate), "--no-explain"]
    result = cli(*args, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["model"] == {"name": "tumours", "version": 2}
    assert data["summary"]["gate_passed"] is True and data["summary"]["fairness_passed"] is True
    assert data["summary"]["flagged_slices"] == 0
    runs = cli("runs", "list", "-e", "evaluation", "--json")
    assert data["run_id"] in runs.out
    shown = cli("models", "show", "tumours", "--json")
    assert '"loopml.gate.passed": "true"' in shown.out.replace("\n", "")

    table = cli(*args)
    assert table.code == 0, table.err
    assert "gate: passed (recorded on tumours v2)" in table.out
    assert "report stored on run" in table.out


@pytest.mark.parametrize(
    ("extra", "gate_text", "message"),
    [
        (["--slice", "region"], None, "slices: 'region' not in the data"),
        (["--gate", "GATE"], "- {metric: f1, max_drop: 0.1}\n", "give `against` too"),
        (["--against", "tumours", "--gate", "GATE"], "metric: f1\n", "must hold a list of rules"),
        (["--against", "tumours", "--gate", "GATE"], "[unclosed\n", "is not YAML or JSON"),
        (["--against", "tumours", "--gate", "missing.yaml"], None, "does not exist"),
        (["--against", "models:/tumours@nobody"], None, "nobody"),
        (["--sensitive", "group", "--max-dp-difference", "3"], None, "must be in [0, 1]"),
    ],
)
def test_bad_evaluation_options_are_one_line(
    cli: CliRunner,
    champion_and_challenger: None,
    tmp_path: Path,
    extra: list[str],
    gate_text: str | None,
    message: str,
) -> None:
    gate = tmp_path / "gate.yaml"
    if gate_text is not None:
        gate.write_text(gate_text)
    extra = [
        str(gate) if e == "GATE" else str(tmp_path / e) if e == "missing.yaml" else e for e in extra
    ]
    before = cli("runs", "list", "-e", "evaluation", "--json").out
    result = cli(
        "evaluate",
        "tumours",
        "tumour-data",
        "-t",
        "target",
        "--drop",
        "row_id",
        "--drop",
        "group",
        "--no-explain",
        *extra,
    )
    assert result.code == 1, result.out
    assert result.err.startswith("error: ") and message in result.err
    assert cli("runs", "list", "-e", "evaluation", "--json").out == before


def test_behavioural_tests_from_a_file(
    cli: CliRunner, champion_and_challenger: None, tmp_path: Path
) -> None:
    behaviour = tmp_path / "behaviour.yaml"
    behaviour.write_text(
        "- {kind: directional, name: bigger tumours look worse, column: worst area,"
        " change: 500, expect: decrease}\n"
    )
    args = ["evaluate", "tumours", "tumour-data", "-t", "target", "--drop", "row_id"]
    args += ["--drop", "group", "--no-explain", "--behaviour", str(behaviour)]
    result = cli(*args)
    assert result.code == 0, result.err
    assert "behavioural tests: 0 of 1 cases failed" in result.out
    data = json.loads(cli(*args, "--json").out)
    assert data["summary"]["behaviour_failed"] == 0


def test_a_bad_behaviour_file_names_the_line(
    cli: CliRunner, champion_and_challenger: None, tmp_path: Path
) -> None:
    behaviour = tmp_path / "behaviour.yaml"
    behaviour.write_text(
        "- {kind: directional, column: worst area, change: 5, expect: decrease}\n"
        "- {kind: invariance, column: worst area}\n"
    )
    result = cli(
        "evaluate", "tumours", "tumour-data", "-t", "target", "--behaviour", str(behaviour)
    )
    assert result.code == 1
    assert f"{behaviour}:2: 1: a invariance check needs values" in result.err
    behaviour.write_text("kind: invariance\n")
    result = cli(
        "evaluate", "tumours", "tumour-data", "-t", "target", "--behaviour", str(behaviour)
    )
    assert result.code == 1 and "a behaviour file is a list of checks" in result.err
