"""``loopml init`` and ``loopml project check`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import CliRunner


def test_init_then_check(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "loopml.yaml"
    assert cli("init", str(path)).code == 0
    checked = cli("project", "check", str(path))
    assert checked.code == 0 and "2 candidates (lgbm, logreg)" in checked.out
    parsed = json.loads(cli("project", "check", str(path), "--json").out)
    assert parsed["candidates"][0]["search"]["learning_rate"]["float"] == [0.02, 0.3]
    again = cli("init", str(path))
    assert again.code == 1 and "--force" in again.err


def test_a_bad_file_lists_every_problem_and_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("project: x\ngoal: {kpi: k, success: []}\ndata: {target: t}\n")
    result = cli("project", "check", str(path))
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert f"{path}:2: goal.success" in result.err and f"{path}:3: data" in result.err
    assert "candidates" in result.err


def test_help_shows_examples(cli: CliRunner) -> None:
    for command in (["init"], ["project"], ["project", "check"]):
        result = cli(*command, "--help")
        assert result.code == 0 and "Example" in result.out
