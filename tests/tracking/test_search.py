"""search_runs and its filter language."""

import math

import pandas as pd
import pytest

from loopml.core import InvalidValueError, NotFoundError
from loopml.store import Stores
from loopml.tracking import search_runs, start_run


@pytest.fixture
def runs(stores: Stores) -> dict[str, str]:
    made = {}
    for name, model, f1, stage in [
        ("a", "lgbm", 0.95, "prod"),
        ("b", "lgbm", 0.85, "dev"),
        ("c", "xgb", 0.92, "dev"),
        ("d", "logreg", math.nan, "dev"),
    ]:
        with start_run("churn", name=name, params={"model": model}, tags={"stage": stage}) as run:
            run.log_metric("f1", f1)
            run.log_metric("val loss", 1 - (0 if math.isnan(f1) else f1))
        made[name] = run.id
    with start_run("other", name="e", params={"model": "lgbm"}) as run:
        run.log_metric("f1", 0.99)
    made["e"] = run.id
    return made


def names(frame: pd.DataFrame) -> list[str]:
    return list(frame["name"])


def test_the_issue_example(runs: dict[str, str]) -> None:
    found = search_runs("churn", filter="metrics.f1 > 0.9 and params.model = 'lgbm'")
    assert names(found) == ["a"]


def test_columns_are_attributes_then_metrics_params_tags(runs: dict[str, str]) -> None:
    found = search_runs("churn", order_by="name")
    assert list(found.columns) == [
        "run_id",
        "experiment",
        "name",
        "status",
        "start_time",
        "end_time",
        "parent_run_id",
        "metrics.f1",
        "metrics.val loss",
        "params.model",
        "tags.stage",
    ]
    assert found.loc[found["name"] == "a", "metrics.f1"].item() == 0.95
    assert math.isnan(found.loc[found["name"] == "d", "metrics.f1"].item())
    assert str(found["start_time"].dtype).startswith("datetime64")


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("", ["a", "b", "c", "d"]),
        ("metrics.f1 >= 0.92", ["a", "c"]),
        ("metrics.f1 < 0.9", ["b"]),  # NaN never compares
        ("params.model != 'lgbm'", ["c", "d"]),
        ("params.model in ('xgb', 'logreg')", ["c", "d"]),
        ("params.model not in ('xgb', 'logreg')", ["a", "b"]),
        ("params.model like 'lg%'", ["a", "b"]),
        ("tags.stage = 'dev' and (metrics.f1 > 0.9 or params.model = 'logreg')", ["c", "d"]),
        ("not tags.stage = 'dev'", ["a"]),
        ("metrics.`val loss` < 0.1", ["a", "c"]),
        ('metrics."val loss" < 0.1', ["a", "c"]),
        ("status = 'FINISHED' AND name IN ('a', 'b')", ["a", "b"]),
        ("attributes.name = 'c'", ["c"]),
        ("params.missing = 'x'", []),
    ],
)
def test_filters(runs: dict[str, str], filter_text: str, expected: list[str]) -> None:
    assert sorted(names(search_runs("churn", filter=filter_text))) == expected


def test_order_by_metric_puts_missing_values_last(runs: dict[str, str]) -> None:
    assert names(search_runs("churn", order_by="metrics.f1 DESC")) == ["a", "c", "b", "d"]
    assert names(search_runs("churn", order_by=["metrics.f1 ASC"])) == ["b", "c", "a", "d"]
    assert names(search_runs("churn", order_by="params.model desc", max_results=2)) == ["c", "d"]


def test_all_and_several_experiments(runs: dict[str, str]) -> None:
    assert len(search_runs()) == 5
    assert len(search_runs(["churn", "other"])) == 5
    assert names(search_runs(filter="metrics.f1 > 0.98")) == ["e"]


def test_no_match_gives_an_empty_frame_with_the_base_columns(runs: dict[str, str]) -> None:
    found = search_runs("churn", filter="metrics.f1 > 2")
    assert found.empty
    assert "run_id" in found.columns


def test_unknown_experiment_lists_the_known_ones(runs: dict[str, str]) -> None:
    with pytest.raises(NotFoundError, match="available: churn, other"):
        search_runs("chrun")


@pytest.mark.parametrize(
    ("filter_text", "message"),
    [
        ("metrics.f1 >", "ends too early"),
        ("metrics.f1 > 'high'", "numbers only"),
        ("params.lr > 0.1", "is text"),
        ("colour = 'red'", "unknown attribute 'colour'"),
        ("metrics.f1 > 0.9 and", "ends too early"),
        ("metrics.f1 > 0.9 metrics.f1", "unexpected"),
        ("(metrics.f1 > 0.9", r"expected '\)'"),
        ("metrics.f1 ~ 3", "cannot read"),
        ("start_time > 'yesterday'", "milliseconds"),
        ("metrics.f1 not > 3", "'not' goes before"),
    ],
)
def test_malformed_filters_say_what_and_where(
    runs: dict[str, str], filter_text: str, message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        search_runs("churn", filter=filter_text)


@pytest.mark.parametrize("order", ["metrics.f1 sideways", "nonsense", "metrics."])
def test_malformed_order_by(runs: dict[str, str], order: str) -> None:
    with pytest.raises(InvalidValueError):
        search_runs("churn", order_by=order)
