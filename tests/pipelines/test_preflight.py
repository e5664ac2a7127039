"""Bad input stops before any training, with every problem named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loopml.pipelines import ProjectInputError, check_no_overlap, check_project_data, parse_project

PROJECT = """\
project: people
goal: {{kpi: k, success: [{{metric: roc_auc, min: 0.5}}]}}
data: {{dataset: people, target: {target}, id_column: id}}
candidates:
  - name: lgbm
    kind: lightgbm
    search: {{learning_rate: {{float: [0.01, 0.3]}}}}
evaluate:
  slices: [{slice}]
  fairness: {{sensitive_features: [sex]}}
"""


def _frame(rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "age": rng.integers(18, 80, rows),
            "sex": rng.choice(["f", "m"], rows),
            "label": rng.integers(0, 2, rows),
        }
    )


def _project(target: str = "label", slice_column: str = "sex") -> object:
    return parse_project(PROJECT.format(target=target, slice=slice_column))


def test_a_healthy_table_passes_and_gives_the_task() -> None:
    assert check_project_data(_project(), _frame()) == "classification"


def test_a_missing_target_is_named_with_the_columns_there_are() -> None:
    with pytest.raises(ProjectInputError, match="target column 'employed' is not in the data"):
        check_project_data(_project(target="employed"), _frame())


def test_a_single_class_target_is_refused_for_a_classifier() -> None:
    frame = _frame().assign(label=1)
    with pytest.raises(ProjectInputError, match=r"one class \(1\); a classifier needs two"):
        check_project_data(_project(), frame)


def test_a_sensitive_feature_with_one_group_is_refused() -> None:
    frame = _frame().assign(sex="f")
    with pytest.raises(ProjectInputError, match="sensitive feature 'sex' has 1 group"):
        check_project_data(_project(), frame)


def test_every_problem_is_reported_at_once() -> None:
    frame = _frame().assign(sex="f", label=np.nan)
    with pytest.raises(ProjectInputError) as caught:
        check_project_data(_project(slice_column="region"), frame)
    problems = caught.value.problems
    assert any("missing value" in p for p in problems)
    assert any("evaluate.slices: column 'region'" in p for p in problems)
    assert any("sensitive feature 'sex'" in p for p in problems)
    assert "nothing was trained" in str(caught.value)


def test_a_search_parameter_the_estimator_does_not_take_is_refused() -> None:
    text = PROJECT.format(target="label", slice="sex").replace("learning_rate", "learning_speed")
    with pytest.raises(ProjectInputError, match="does not accept parameter.*learning_speed"):
        check_project_data(parse_project(text), _frame())


def test_an_empty_search_range_is_refused_by_the_project_file() -> None:
    text = PROJECT.format(target="label", slice="sex").replace("[0.01, 0.3]", "[0.3, 0.01]")
    with pytest.raises(Exception, match="is empty"):
        parse_project(text)


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(ProjectInputError, match="no rows"):
        check_project_data(_project(), _frame().iloc[0:0])


def test_a_test_set_sharing_rows_with_training_is_refused() -> None:
    frame = _frame()
    train, test = frame.iloc[:40], frame.iloc[35:]
    with pytest.raises(ProjectInputError, match="5 of 25 test row"):
        check_no_overlap(train, test)


def test_a_test_set_sharing_ids_with_training_is_refused() -> None:
    frame = _frame()
    train = frame.iloc[:40]
    test = frame.iloc[40:].assign(id=lambda f: f["id"] - 1)  # id 39 reappears, other columns new
    with pytest.raises(ProjectInputError, match="1 id\\(s\\) of 'id'"):
        check_no_overlap(train, test, id_column="id")


def test_disjoint_parts_pass_the_overlap_check() -> None:
    frame = _frame()
    check_no_overlap(frame.iloc[:40], frame.iloc[40:], id_column="id")
