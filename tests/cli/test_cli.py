"""The CLI through its real entry point: output, --json, --help examples, one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import loopml
from loopml.registry import register_model
from loopml.store import Stores
from tests.cli.conftest import CliRunner

COMMANDS = [
    [],
    ["runs"],
    ["runs", "list"],
    ["runs", "show"],
    ["runs", "compare"],
    ["models"],
    ["models", "list"],
    ["models", "show"],
    ["models", "versions"],
    ["models", "alias"],
    ["datasets"],
    ["datasets", "list"],
    ["datasets", "show"],
    ["experiments", "list"],
    ["db"],
    ["db", "upgrade"],
    ["db", "status"],
    ["demo"],
    ["run"],
    ["tune"],
    ["init"],
    ["evaluate"],
    ["project", "check"],
    ["models", "card"],
    ["data"],
    ["data", "split"],
    ["data", "validate"],
    ["data", "infer-schema"],
    ["data", "clean"],
]


@pytest.fixture
def populated(stores: Stores) -> dict[str, str]:
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})
    dataset = loopml.log_dataset(frame, name="toy")
    ids = {}
    for name, c in (("weak", 0.01), ("strong", 10.0)):
        with loopml.start_run("toy-exp", name=name, params={"C": c}) as run:
            run.log_input(dataset)
            run.log_metric("f1", 0.5 if name == "weak" else 0.9)
            model = LogisticRegression(C=c).fit(frame[["x"]], frame["y"])
        ids[name] = run.id
    register_model(model, "toy-model", run=ids["strong"], sample=frame[["x"]], aliases=["champion"])
    return ids


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_help_shows_an_example(cli: CliRunner, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.code == 0
    assert "Example" in result.out


def test_runs_list_and_json(cli: CliRunner, populated: dict[str, str]) -> None:
    result = cli("runs", "list", "-e", "toy-exp", "-o", "metrics.f1 DESC")
    assert result.code == 0
    assert result.out.index("strong") < result.out.index("weak")
    data = json.loads(cli("runs", "list", "--json", "-f", "metrics.f1 > 0.8").out)
    assert [r["name"] for r in data] == ["strong"]
    assert data[0]["params.C"] == "10.0"


def test_runs_show_accepts_a_prefix(cli: CliRunner, populated: dict[str, str]) -> None:
    run_id = populated["strong"]
    shown = cli("runs", "show", run_id[:12])
    assert shown.code == 0 and run_id in shown.out and "f1" in shown.out
    data = json.loads(cli("runs", "show", run_id, "--json").out)
    assert data["id"] == run_id and data["metrics"] == {"f1": 0.9}
    assert data["inputs"][0]["context"] == "train"


def test_runs_compare_marks_differences(cli: CliRunner, populated: dict[str, str]) -> None:
    result = cli("runs", "compare", populated["weak"], populated["strong"])
    assert result.code == 0
    assert "param.C" in result.out and "≠" in result.out
    data = json.loads(cli("runs", "compare", populated["weak"], populated["strong"], "--json").out)
    assert {r["name"] for r in data} == {"weak", "strong"}


def test_models_commands(cli: CliRunner, populated: dict[str, str]) -> None:
    assert "champion" in cli("models", "list").out
    listed = json.loads(cli("models", "list", "--json").out)
    assert listed[0]["name"] == "toy-model" and listed[0]["aliases"] == {"champion": 1}
    shown = json.loads(cli("models", "show", "toy-model", "--json").out)
    assert shown["versions"][0]["source_run_id"] == populated["strong"]
    assert json.loads(cli("models", "versions", "toy-model", "--json").out)[0]["version"] == 1
    moved = json.loads(cli("models", "alias", "toy-model", "staging", "1", "--json").out)
    assert moved == {"model": "toy-model", "alias": "staging", "version": 1}
    assert cli("models", "alias", "toy-model", "staging", "--delete").code == 0
    assert "staging" not in cli("models", "show", "toy-model").out


def test_datasets_commands(cli: CliRunner, populated: dict[str, str]) -> None:
    assert "toy" in cli("datasets", "list").out
    data = json.loads(cli("datasets", "show", "toy", "--json").out)
    assert data["num_rows"] == 4 and [c["name"] for c in data["schema"]] == ["x", "y"]
    assert json.loads(cli("datasets", "list", "--json").out)[0]["dataset"] == "toy"


def test_experiments_and_db(cli: CliRunner, populated: dict[str, str]) -> None:
    assert json.loads(cli("experiments", "list", "--json").out)[0]["name"] == "toy-exp"
    assert cli("db", "upgrade").code == 0
    assert json.loads(cli("db", "status", "--json").out)["up_to_date"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "show", "ffffffffff"], "run 'ffffffffff' not found"),
        (["runs", "show", "abc"], "at least 6 characters"),
        (["runs", "list", "-f", "metrics.f1 >>"], "filter"),
        (["runs", "list", "-e", "nope"], "available: toy-exp"),
        (["runs", "compare", "abcdef"], "at least two"),
        (["models", "show", "toy-modle"], "available: toy-model"),
        (["models", "alias", "toy-model", "champion", "7"], "available: 1"),
        (["models", "alias", "toy-model", "champion"], "give the VERSION"),
        (["models", "alias", "toy-model", "champion", "1", "--delete"], "not both"),
        (["models", "alias", "toy-model", "9bad", "1"], "alias"),
        (["models", "alias", "toy-model", "ghost", "--delete"], "ghost"),
        (["datasets", "show", "toi"], "available: toy"),
        (["datasets", "show", "toy", "--version", "4"], "available: 1"),
    ],
)
def test_errors_are_one_line_with_a_non_zero_exit(
    cli: CliRunner, populated: dict[str, str], args: list[str], message: str
) -> None:
    result = cli(*args)
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_usage_errors_exit_2(cli: CliRunner) -> None:
    result = cli("runs", "list", "--no-such-option")
    assert result.code == 2
    assert "No such option" in result.err


def test_version(cli: CliRunner) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("loopml ")
