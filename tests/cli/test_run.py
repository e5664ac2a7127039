"""``loopml run``: what a user sees, the reports it writes, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loopml.store import Stores
from tests.cli.conftest import CliRunner
from tests.pipelines.test_project_run import write_project


def test_run_prints_the_steps_the_finalist_and_where_the_reports_are(
    cli: CliRunner, stores: Stores, tmp_path: Path
) -> None:
    path = write_project(tmp_path)
    result = cli("run", str(path))
    assert result.code == 0, result.err
    assert "candidate.logreg: done" in result.out
    assert "loans v1" in result.out and "roc_auc" in result.out
    reports = sorted((tmp_path / "reports").iterdir())
    assert [p.suffix for p in reports] == [".html", ".json", ".html", ".md"]
    for report in reports:
        assert str(report) in result.out.replace("\n", "")

    again = cli("run", str(path), "--json")
    assert again.code == 0, again.err
    document = json.loads(again.out)
    assert len(document["reused"]) == len(document["steps"]) == 9
    assert document["finalists"][0]["version"] == 1


# What an unchanged project must not import: each costs a tenth of a second to a second, and
# together they made a rerun that reuses every step take ~3 s instead of under one.
HEAVY_MODULES = (
    "pandas",
    "numpy",
    "pyarrow",
    "sklearn",
    "scipy",
    "plotly",
    "skops",
    "lightgbm",
    "xgboost",
    "optuna",
    "duckdb",
    "alembic",
)
CACHED_RUN = """
import sys
from loopml.cli import main
project, heavy = sys.argv[1], sys.argv[2:]
sys.argv = ["loopml", "run", project]
try:
    main()
except SystemExit as stop:
    assert not stop.code, stop.code
print("LOADED:" + ",".join(m for m in heavy if m in sys.modules))
"""


def test_rerunning_an_unchanged_project_imports_no_heavy_library(
    cli: CliRunner, stores: Stores, tmp_path: Path
) -> None:
    """The cached path (read the file, key the steps, find them reused, copy the reports out)
    needs SQLAlchemy and pydantic only: what keeps the rerun under a second."""
    path = write_project(tmp_path)
    assert cli("run", str(path)).code == 0
    env = {**os.environ, "LOOPML_HOME": str(stores.settings.home)}
    if stores.settings.db_url:
        env["LOOPML_DB_URL"] = stores.settings.db_url
    rerun = subprocess.run(
        [sys.executable, "-c", CACHED_RUN, str(path), *HEAVY_MODULES],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "all 9 steps reused" in rerun.stdout
    loaded = rerun.stdout.rsplit("LOADED:", 1)[1].strip()
    assert loaded == "", f"an unchanged rerun imported {loaded}"


def test_run_with_a_bad_project_file_is_one_line_per_problem_and_exit_1(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("project: x\ncandidates: []\n")
    result = cli("run", str(path))
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
    assert "goal" in result.err and "data" in result.err


def test_run_with_a_missing_file_says_so(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("run", str(tmp_path / "nope.yaml"))
    assert result.code == 1
    assert "cannot read it" in result.err


def test_run_on_data_that_does_not_fit_names_the_step_and_the_problem(
    cli: CliRunner, tmp_path: Path
) -> None:
    from tests.pipelines.test_project_run import people

    path = write_project(tmp_path, frame=people().assign(sex="f"))
    result = cli("run", str(path))
    assert result.code == 1
    assert "step 'validate' failed" in result.err
    assert "sensitive feature 'sex' has 1 group" in result.err


def test_run_help_shows_an_example(cli: CliRunner) -> None:
    result = cli("run", "--help")
    assert result.code == 0 and "Example: loopml" in result.out
