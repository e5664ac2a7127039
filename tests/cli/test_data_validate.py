"""``loopml data validate`` and ``loopml data infer-schema`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import loopml
from loopml.store import Stores
from tests.cli.conftest import CliRunner


@pytest.fixture
def customers(stores: Stores) -> None:
    good = pd.DataFrame({"id": [1, 2, 3, 4], "age": [30, 41, 52, 63], "plan": ["a", "b", "a", "b"]})
    loopml.log_dataset(good, name="customers")
    bad = pd.DataFrame({"id": [1, 2, 2, 4], "age": [30, 41, 152, 63], "plan": ["a", "b", "c", "b"]})
    loopml.log_dataset(bad, name="customers")


@pytest.mark.parametrize("command", ["validate", "infer-schema"])
def test_help_shows_an_example(cli: CliRunner, command: str) -> None:
    result = cli("data", command, "--help")
    assert result.code == 0 and "Example: loopml data" in result.out


def test_infer_then_validate(cli: CliRunner, customers: None, tmp_path: Path) -> None:
    schema = tmp_path / "customers.schema.json"
    inferred = cli("data", "infer-schema", "customers", "--version", "1", "-o", str(schema))
    assert inferred.code == 0, inferred.err
    assert "schema of datasets:/customers/1" in inferred.out and "30 .. 63" in inferred.out
    assert json.loads(schema.read_text())["inferred_from"] == "datasets:/customers/1"

    passed = cli("data", "validate", "customers", "-v", "1", "--schema", str(schema))
    assert passed.code == 0, passed.err
    assert "rules passed on datasets:/customers/1" in passed.out

    failed = cli("data", "validate", "customers", "--schema", str(schema))
    assert failed.code == 1
    assert "between" in failed.out and "2: 152" in failed.out
    assert "in_set" in failed.out and "2: 'c'" in failed.out
    assert "failed" in failed.out and "column_exists" not in failed.out  # passed rules hidden
    every = cli("data", "validate", "customers", "--schema", str(schema), "--all")
    assert "column_exists" in every.out


def test_validate_json_and_rules_file(cli: CliRunner, customers: None, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            [
                {"rule": "unique", "column": "id"},
                {"rule": "between", "column": "age", "min": 0, "max": 120},
                {"rule": "not_null", "column": "plan"},
            ]
        )
    )
    result = cli("data", "validate", "customers", "--rules", str(rules), "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["passed"] is False and report["dataset"] == "datasets:/customers/2"
    assert [r["status"] for r in report["results"]] == ["failed", "failed", "passed"]
    assert report["results"][0]["example_rows"] == [1, 2]
    ok = cli("data", "validate", "customers", "-v", "1", "-r", str(rules), "--json")
    assert ok.code == 0 and json.loads(ok.out)["passed"] is True


def test_validate_against_a_reference_version(cli: CliRunner, customers: None) -> None:
    result = cli("data", "validate", "customers", "--reference-version", "1", "--examples", "0")
    assert result.code == 1
    assert "between" in result.out and "in_set" in result.out and "152" not in result.out
    assert "11 of 13 rules passed on datasets:/customers/2 (4 rows): 2 failed" in result.out


def test_infer_schema_json(cli: CliRunner, customers: None) -> None:
    result = cli("data", "infer-schema", "customers", "--json", "--margin", "0.5", "--no-strict")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["strict"] is False
    assert [c["name"] for c in schema["columns"]] == ["id", "age", "plan"]
    assert schema["columns"][1]["min"] == -31  # 30 - ceil(0.5 * 122)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "validate", "customers"], "error: nothing to validate against"),
        (
            ["data", "validate", "nope", "--reference-version", "1"],
            "error: dataset 'nope' not found",
        ),
        (["data", "validate", "customers", "-v", "9", "--rules", "{rules}"], "not found"),
        (["data", "validate", "customers", "--rules", "{missing}"], "error: rules file"),
        (["data", "validate", "customers", "--rules", "{bad}"], "unknown rule 'nope'"),
        (["data", "validate", "customers", "--schema", "{rules}"], "not a loopml schema"),
        (["data", "infer-schema", "nope"], "error: dataset 'nope' not found"),
        (["data", "infer-schema", "customers", "-o", "{nofolder}"], "error: folder"),
    ],
)
def test_bad_input_is_one_error_line(
    cli: CliRunner, customers: None, tmp_path: Path, args: list[str], message: str
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text('[{"rule": "not_null", "column": "id"}]')
    bad = tmp_path / "bad.json"
    bad.write_text('[{"rule": "nope"}]')
    paths = {
        "rules": str(rules),
        "bad": str(bad),
        "missing": str(tmp_path / "missing.json"),
        "nofolder": str(tmp_path / "no" / "schema.json"),
    }
    result = cli(*(arg.format(**paths) for arg in args))
    assert result.code == 1
    assert message in result.err and result.err.startswith("error: ")
    assert len(result.err.strip().splitlines()) == 1


def test_validate_uses_the_schema_stored_with_an_earlier_version(cli: CliRunner) -> None:
    import pandas as pd

    import loopml

    loopml.log_dataset(pd.DataFrame({"age": [20, 35, 50, 64]}), name="stored")
    loopml.log_dataset(pd.DataFrame({"age": [25, 130, 40, 33]}), name="stored")
    refused = cli("data", "validate", "stored")
    assert refused.code == 1 and "no version of 'stored' has a stored schema" in refused.err
    assert cli("data", "infer-schema", "stored", "--version", "1", "--store").code == 0
    assert cli("data", "validate", "stored", "--version", "1").code == 0
    failed = cli("data", "validate", "stored", "--json")
    assert failed.code == 1 and "schema stored with datasets:/stored/1" in failed.err
