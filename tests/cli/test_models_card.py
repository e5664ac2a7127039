"""``loopml models card``: print or write the stored card of a model version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from loopml.datasets import load_breast_cancer
from loopml.evaluation import (
    EvaluationReport,
    ModelCard,
    build_model_card,
    check_success,
    evaluate_model,
    save_model_card,
)
from loopml.registry import register_model
from tests.cli.conftest import CliRunner


@pytest.fixture
def card(cli: CliRunner) -> ModelCard:
    frame = load_breast_cancer().head(200)[["mean radius", "mean texture", "target"]]
    features = frame.drop(columns="target")
    model = LogisticRegression().fit(features, frame["target"])
    register_model(model, "cancer", sample=features.head())
    register_model(model, "cancer", sample=features.head())
    evaluation = evaluate_model(model, frame, target="target", n_resamples=100)
    report = EvaluationReport(
        title="cancer v2",
        model="cancer v2",
        dataset="breast cancer (200 rows)",
        evaluation=evaluation,
        criteria=check_success([{"metric": "roc_auc", "min": 0.9}], evaluation.metrics),
    )
    built = build_model_card(
        model_name="cancer",
        version=2,
        report=report,
        intended_use="Demonstrate model cards.",
        lineage={"run_id": "r-1"},
    )
    save_model_card(built)
    return built


def test_prints_the_markdown(cli: CliRunner, card: ModelCard) -> None:
    result = cli("models", "card", "cancer", "2")
    assert result.code == 0, result.err
    assert result.out == card.to_markdown()


def test_writes_html_or_markdown(cli: CliRunner, card: ModelCard, tmp_path: Path) -> None:
    cases = [
        ("card.html", [], card.to_html()),
        ("card.md", [], card.to_markdown()),
        ("card-md.html", ["--markdown"], card.to_markdown()),
        ("out/deeper/card.html", [], card.to_html()),  # missing folders are made
    ]
    for file_name, flags, expected in cases:
        out = tmp_path / file_name
        result = cli("models", "card", "cancer", "2", "-o", str(out), *flags)
        assert result.code == 0, result.err
        assert "written to" in result.out
        assert out.read_text() == expected, file_name


def test_bad_input_is_one_line(cli: CliRunner, card: ModelCard) -> None:
    cases = [
        (["nope", "1"], "model 'nope' not found; available: cancer"),
        (["cancer", "5"], "available: 1, 2"),
        (["cancer", "1"], "model card (markdown) of 'cancer' version 1 not found; available: 2"),
        (["cancer", "0"], "version must be a positive integer"),
    ]
    for args, message in cases:
        result = cli("models", "card", *args)
        assert result.code == 1, args
        assert result.err.startswith("error: ") and message in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("models", "card", "--help")
    assert result.code == 0 and "Example" in result.out
