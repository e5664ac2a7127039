"""``loopml data split`` through the real entry point."""

from __future__ import annotations

import json

import pytest

import loopml
from loopml.data import get_dataset, list_datasets
from loopml.datasets import load_breast_cancer
from loopml.store import Stores
from tests.cli.conftest import CliRunner


@pytest.fixture
def cancer(stores: Stores) -> None:
    frame = load_breast_cancer()
    frame["patient"] = [i // 3 for i in range(len(frame))]
    loopml.log_dataset(frame, name="cancer")


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("data", "split", "--help")
    assert result.code == 0 and "Example: loopml data split" in result.out


def test_stratified_split_prints_sizes_and_balance(cli: CliRunner, cancer: None) -> None:
    result = cli("data", "split", "cancer", "--strategy", "stratified", "--stratify-by", "target")
    assert result.code == 0, result.err
    for text in ("datasets:/cancer.train/1", "datasets:/cancer.validation/1", "398", "classes"):
        assert text in result.out
    assert "0: 148 (37.2%), 1: 250 (62.8%)" in result.out
    assert get_dataset("cancer.test").parents == [get_dataset("cancer").id]


def test_json_output(cli: CliRunner, cancer: None) -> None:
    result = cli(
        "data", "split", "cancer", "--version", "1", "--strategy", "grouped",
        "--group-by", "patient", "--ratios", "0.8,0.2", "--seed", "3", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["source"] == "datasets:/cancer/1" and data["strategy"] == "grouped"
    assert data["seed"] == 3 and data["ratios"] == [0.8, 0.2]
    assert [p["part"] for p in data["parts"]] == ["train", "test"]
    assert sum(p["rows"] for p in data["parts"]) == 569
    assert "classes" not in data["parts"][0]


def test_name_and_id_column(cli: CliRunner, cancer: None) -> None:
    result = cli("data", "split", "cancer", "--name", "exp", "--id-column", "patient", "--json")
    assert result.code == 1
    assert result.err.startswith("error: ") and "'patient' would appear" in result.err
    grouped = cli(
        "data", "split", "cancer", "--name", "exp", "--strategy", "grouped",
        "--group-by", "patient", "--id-column", "patient",
    )  # fmt: skip
    assert grouped.code == 0 and "datasets:/exp.train/1" in grouped.out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nope"], "dataset 'nope' not found"),
        (["cancer", "--version", "7"], "version of dataset 'cancer' 7 not found"),
        (["cancer", "--ratios", "0.7,x"], "--ratios takes numbers separated by commas"),
        (["cancer", "--ratios", "0.7,0.7"], "add up to 1"),
        (["cancer", "--strategy", "kfold"], "strategy must be one of"),
        (["cancer", "--strategy", "time"], "needs a time_by column"),
        (["cancer", "--strategy", "time", "--time-by", "when"], "'when' is not a column"),
        (["cancer", "--stratify-by", "target"], "used only with strategy='stratified'"),
    ],
)
def test_bad_input_is_one_line_and_records_nothing(
    cli: CliRunner, cancer: None, arguments: list[str], message: str
) -> None:
    result = cli("data", "split", *arguments)
    assert result.code == 1
    assert result.err.startswith("error: ") and message in result.err
    assert result.err.strip().count("\n") == 0
    assert [v.dataset for v in list_datasets()] == ["cancer"]
