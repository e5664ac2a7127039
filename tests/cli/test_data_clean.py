"""``loopml data clean`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import loopml
from loopml.data import get_dataset, load_cleaner
from loopml.store import Stores
from tests.cli.conftest import CliRunner
from tests.data.cleaning.conftest import make_customers


@pytest.fixture
def customers() -> pd.DataFrame:
    return make_customers()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "cleaning.json"
    config = {
        "target": "churn",
        "missing": {"strategy": "median", "indicator": True},
        "outliers": {"method": "iqr", "action": "clip"},
        "scale": "standard",
        "encode": {"onehot": ["plan"]},
    }
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def raw(stores: Stores, customers: pd.DataFrame) -> None:
    loopml.log_dataset(customers.drop(columns="signup"), name="customers")


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("data", "clean", "--help")
    assert result.code == 0 and "Example: loopml data clean" in result.out


def test_clean_prints_the_report(cli: CliRunner, raw: None, config_file: Path) -> None:
    result = cli("data", "clean", "customers", "--config", str(config_file))
    assert result.code == 0, result.err
    for text in (
        "clip_outliers (ClipOutliers)",
        "impute (ImputeMissing)",
        "income_missing",
        "datasets:/customers-clean/1",
        "datasets:/customers/1",
    ):
        assert text in result.out
    cleaned = get_dataset("customers-clean")
    assert cleaned.parents == [get_dataset("customers").id]
    assert load_cleaner(cleaned).target == "churn"


def test_json_output(cli: CliRunner, raw: None, config_file: Path) -> None:
    result = cli(
        "data",
        "clean",
        "customers",
        "--version",
        "1",
        "--config",
        str(config_file),
        "--name",
        "tidy",
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["dataset"]["dataset"] == "tidy" and data["parent"] == "datasets:/customers/1"
    assert data["report"]["rows_out"] == 120
    assert [s["step"] for s in data["report"]["steps"]] == [
        "clip_outliers",
        "impute",
        "scale",
        "onehot",
    ]


def test_bad_input_is_one_line(cli: CliRunner, raw: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"scale": "zscore", "encode": {"target": ["plan"]}}')
    result = cli("data", "clean", "customers", "--config", str(bad))
    assert result.code == 1
    assert result.err.startswith("error: cleaning config has 2 problems")
    assert len(result.err.strip().splitlines()) == 1
    missing = cli("data", "clean", "customers", "--config", str(tmp_path / "nope.json"))
    assert missing.code == 1 and "does not exist" in missing.err
    unknown = cli("data", "clean", "nobody", "--config", str(bad))
    assert unknown.code == 1 and "error:" in unknown.err
    assert get_dataset("customers").version == 1
    no_config = cli("data", "clean", "customers")
    assert no_config.code != 0 and "--config" in no_config.err
