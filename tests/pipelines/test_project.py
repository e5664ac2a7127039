"""The project file: the example validates, and a bad file gets every problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopml.core import ConfigurationError
from loopml.pipelines import (
    Project,
    ProjectFileError,
    example_project_text,
    load_project,
    parse_project,
    write_example_project,
)

MINIMAL = """\
project: churn
goal:
  kpi: customers kept
  success: [{metric: roc_auc, min: 0.8}]
data: {dataset: customers, target: churned}
candidates:
  - {name: lgbm, kind: lightgbm}
"""


def test_the_example_written_by_init_is_a_valid_project(tmp_path: Path) -> None:
    path = write_example_project(tmp_path / "loopml.yaml")
    project = load_project(path)
    assert isinstance(project, Project)
    assert project.data.target == "employed"
    assert [c.name for c in project.candidates] == ["lgbm", "logreg"]
    assert project.candidates[0].search["learning_rate"].log is True
    assert project.evaluate.fairness is not None
    assert project.clean is not None


def test_init_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "loopml.yaml"
    path.write_text("mine")
    with pytest.raises(ConfigurationError, match="--force"):
        write_example_project(path)
    assert path.read_text() == "mine"
    write_example_project(path, overwrite=True)
    assert path.read_text() == example_project_text()


def test_defaults_fill_in_what_a_minimal_file_leaves_out() -> None:
    project = parse_project(MINIMAL)
    assert project.split.strategy == "stratified" and project.split.ratios == (0.7, 0.15, 0.15)
    assert project.tune.trials == 20 and project.tune.sampler == "tpe"
    assert project.evaluate.primary_metric == "roc_auc"


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = """\
project: emp
goal:
  kpi: x
  success: [{metric: f1}]
data: {dataset: d, file: f, target: employed}
split: {ratios: [0.5, 0.5, 0.5]}
candidates:
  - name: a
    kind: lightgbm
    search: {lr: {float: [0.3, 0.1], log: true}}
    colour: red
tune: {trials: 0}
"""
    with pytest.raises(ProjectFileError) as caught:
        parse_project(text, path="p.yaml")
    problems = {(line, where) for line, where, _ in caught.value.problems}
    assert problems == {
        (4, "goal.success.0"),
        (5, "data"),
        (6, "split.ratios"),
        (10, "candidates.0.search.lr"),
        (11, "candidates.0.colour"),
        (12, "tune.trials"),
    }
    message = str(caught.value)
    assert message.startswith("p.yaml has 6 problems")
    assert "p.yaml:11: candidates.0.colour: Extra inputs are not permitted" in message
    assert "low must be below high" in message


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ("candidates: []", "candidates", "at least 1"),
        ("candidates: [{name: a, kind: x}, {name: a, kind: y}]", "(file)", "repeated: a"),
        ("split: {strategy: grouped}", "split", "needs 'group_by'"),
        ("tune: {sampler: annealing}", "tune.sampler", "'tpe', 'random' or 'grid'"),
        ("evaluate: {gate: [{metric: f1}]}", "evaluate.gate", "needs max_drop"),
        ("data: {dataset: d, target: t, version: 0}", "data.version", "greater than or equal"),
        ("project: 'bad name!'", "project", "should match pattern"),
    ],
)
def test_bad_sections(change: str, where: str, message: str) -> None:
    key = change.split(":", 1)[0]
    kept = [line for line in MINIMAL.splitlines() if not line.startswith(key)]
    if key == "candidates":
        kept = [line for line in kept if not line.startswith("  - {name: lgbm")]
    with pytest.raises(ProjectFileError) as caught:
        parse_project("\n".join([*kept, change]) + "\n")
    assert any(w == where and message in m for _, w, m in caught.value.problems), caught.value


def test_yaml_syntax_errors_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=r"loopml.yaml:2: \(yaml\): found character"):
        parse_project("project: x\n\tgoal: y\n")  # a tab cannot indent YAML
    with pytest.raises(ProjectFileError, match="a mapping of sections"):
        parse_project("- just\n- a list\n")
    with pytest.raises(ProjectFileError, match="cannot read it"):
        load_project(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("{objective: precision_at_least}", "needs 'at_least"),
        ("{objective: f1, at_least: 0.5}", "'at_least' goes with"),
        ("{objective: cost}", "goes with objective cost"),
        ("{objective: cost, cost: {fp: 1}}", "needs 'fp' and 'fn'"),
    ],
)
def test_bad_threshold_settings_are_named(threshold: str, message: str) -> None:
    with pytest.raises(ProjectFileError, match=message):
        parse_project(MINIMAL + f"evaluate: {{threshold: {threshold}}}\n")


def test_a_threshold_setting_becomes_select_thresholds_objective() -> None:
    project = parse_project(
        MINIMAL + "evaluate: {threshold: {objective: recall_at_least, at_least: 0.9}}\n"
    )
    assert project.evaluate.threshold is not None
    assert project.evaluate.threshold.as_objective() == ("recall_at_least", 0.9)
