"""Search spaces: the dict form round-trips, becomes Optuna suggestions, bad ranges fail early."""

from __future__ import annotations

from typing import Any, cast

import optuna
import pytest

from loopml.core import InvalidValueError
from loopml.training import CategoricalParam, FloatParam, IntParam, SearchSpace

SPACE = {
    "learning_rate": {"float": [0.01, 0.3], "log": True},
    "num_leaves": {"int": [8, 128]},
    "boosting": {"categorical": ["gbdt", "dart"]},
}


def test_dict_form_parses_to_typed_params_and_round_trips() -> None:
    space = SearchSpace.from_dict(SPACE)
    assert space.params == {
        "learning_rate": FloatParam(0.01, 0.3, log=True),
        "num_leaves": IntParam(8, 128),
        "boosting": CategoricalParam(("gbdt", "dart")),
    }
    assert space.to_dict() == SPACE
    assert SearchSpace.from_dict(space.to_dict()) == space


def test_suggest_draws_values_inside_the_ranges() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(20):
        values = space.suggest(study.ask())
        assert 0.01 <= values["learning_rate"] <= 0.3
        assert 8 <= values["num_leaves"] <= 128 and isinstance(values["num_leaves"], int)
        assert values["boosting"] in {"gbdt", "dart"}


def test_grid_enumerates_ints_categories_and_stepped_floats() -> None:
    space = SearchSpace.from_dict(
        {
            "depth": {"int": [1, 3]},
            "alpha": {"float": [0.0, 1.0], "step": 0.5},
            "c": {"categorical": [True, False]},
        }
    )
    assert space.grid() == {"depth": [1, 2, 3], "alpha": [0.0, 0.5, 1.0], "c": [True, False]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"lr": {"float": [0.3, 0.01]}}, "low must be below high"),
        ({"lr": {"float": [0.1, 0.1]}}, "low must be below high"),
        ({"lr": {"float": [0.0, 1.0], "log": True}}, "log scale needs low > 0"),
        ({"lr": {"float": [0.0, "x"]}}, "bounds must be finite"),
        ({"lr": {"float": [0.0, float("nan")]}}, "bounds must be finite"),
        ({"lr": {"float": [0.0]}}, "needs [low, high]"),
        ({"lr": {"int": [1.5, 3]}}, "bounds must be finite ints"),
        ({"lr": {"int": [1, 3], "step": 0}}, "step must be a positive"),
        ({"lr": {"float": [0.1, 1.0], "log": "yes"}}, "log must be true or false"),
        ({"lr": {"categorical": []}}, "no choices"),
        ({"lr": {"categorical": "abc"}}, "list of choices"),
        ({"lr": {"categorical": ["a", "a"]}}, "choices repeat"),
        ({"lr": {"categorical": [[1, 2]]}}, "is not a str"),
        ({"lr": {"float": [0.1, 1.0], "logg": True}}, "unknown key(s) ['logg']"),
        ({"lr": {"float": [0.1, 1.0], "int": [1, 2]}}, "exactly one of"),
        ({"lr": {"range": [0.1, 1.0]}}, "exactly one of"),
        ({"lr": [0.1, 1.0]}, "expected a mapping"),
    ],
)
def test_invalid_ranges_raise_naming_the_parameter(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        SearchSpace.from_dict(spec)
    assert "'lr'" in str(caught.value)
    assert message in str(caught.value)


def test_an_empty_or_non_mapping_space_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="empty"):
        SearchSpace.from_dict({})
    with pytest.raises(InvalidValueError, match="mapping"):
        SearchSpace.from_dict(cast(Any, [("lr", {"float": [0.1, 1]})]))


def test_grid_refuses_continuous_floats_and_huge_grids() -> None:
    with pytest.raises(InvalidValueError, match="'lr'.*needs a step"):
        SearchSpace.from_dict({"lr": {"float": [0.1, 1.0]}}).grid()
    with pytest.raises(InvalidValueError, match="more than"):
        SearchSpace.from_dict({"a": {"int": [1, 1000]}, "b": {"int": [1, 1000]}}).grid()
