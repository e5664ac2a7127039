"""``loopml data profile`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loopml.data import log_dataset
from loopml.store import Stores
from tests.cli.conftest import CliRunner


@pytest.fixture
def customers(stores: Stores) -> None:
    rng = np.random.default_rng(1)
    churned = rng.integers(0, 2, 800)
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(0, 60, 800),
            "plan": rng.choice(["basic", "pro"], 800),
            "cancel_reason_filled": churned,
            "churned": churned,
        }
    )
    log_dataset(frame, name="customers", stores=stores)
    log_dataset(frame.iloc[:100], name="customers", stores=stores)


def test_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("data", "profile", "--help")
    assert result.code == 0
    assert "Example: loopml data profile customers --target churned" in result.out


def test_writes_the_report_and_lists_warnings(
    cli: CliRunner, customers: None, tmp_path: Path
) -> None:
    out = tmp_path / "customers.html"
    result = cli(
        "data", "profile", "customers", "--version", "1", "--target", "churned", "--out", str(out)
    )
    assert result.code == 0, result.err
    assert "datasets:/customers/1: 800 rows, 4 columns" in result.out
    assert "leakage suspect" in result.out and "cancel_reason_filled" in result.out
    assert f"report written to {out}" in result.out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_json(
    cli: CliRunner, customers: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("data", "profile", "customers", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["source"]["uri"] == "datasets:/customers/2" and data["num_rows"] == 100
    assert [c["name"] for c in data["columns"]] == [
        "tenure",
        "plan",
        "cancel_reason_filled",
        "churned",
    ]
    assert (tmp_path / "customers-v2-profile.html").is_file()  # the default report name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "error: dataset 'nobody' not found"),
        (["customers", "--version", "9"], "error: version of dataset 'customers' 9 not found"),
        (["customers", "--target", "nope"], "error: column 'nope' not found; available: tenure"),
        (["customers", "--sample-rows", "0"], "error: sample_rows must be an integer >= 1"),
    ],
)
def test_bad_input_is_one_line(
    cli: CliRunner, customers: None, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "report.html"
    result = cli("data", "profile", *args, "--out", str(out))
    assert result.code == 1
    assert result.err.strip().startswith(message), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_default_sample_is_the_librarys() -> None:
    from loopml.cli._data_profile import DEFAULT_SAMPLE_ROWS
    from loopml.data._profile import DEFAULT_SAMPLE_ROWS as LIBRARY_DEFAULT

    assert DEFAULT_SAMPLE_ROWS == LIBRARY_DEFAULT
