"""Expectations: the Python form and the dict form are the same rules; bad rules are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loopml.core import InvalidValueError
from loopml.data import (
    Between,
    CompareColumns,
    Expectation,
    InSet,
    NotNull,
    Unique,
    expect,
    expectation_from_dict,
)
from loopml.data._expectations import RULES, parse_expectations

EVERY_KIND = [
    expect.not_null("age"),
    expect.between("age", 0, 120),
    expect.between("ratio", 0.0, 1.0, min_inclusive=False, max_inclusive=False),
    expect.between("when", "2024-01-01", None),
    expect.in_set("plan", ["free", "pro"]),
    expect.matches_regex("code", r"^[A-Z]{2}\d+$"),
    expect.unique("id"),
    expect.unique("country", "city"),
    expect.dtype("age", "int"),
    expect.mean_between("target", 0.1, 0.5),
    expect.column_exists("age"),
    expect.no_extra_columns(["age", "plan"]),
    expect.compare("start", "<=", "end"),
]


def test_every_rule_kind_is_covered() -> None:
    assert {rule.rule for rule in EVERY_KIND} == set(RULES)


@pytest.mark.parametrize("rule", EVERY_KIND, ids=lambda r: r.describe())
def test_dict_form_round_trips_through_json(rule: Expectation) -> None:
    data = json.loads(json.dumps(rule.to_dict()))
    assert data["rule"] == rule.rule
    assert expectation_from_dict(data) == rule


def test_dict_form_is_short_and_readable() -> None:
    assert expect.between("age", 0, 120).to_dict() == {
        "rule": "between",
        "column": "age",
        "min": 0,
        "max": 120,
    }
    assert expect.unique("id").to_dict() == {"rule": "unique", "column": "id"}
    assert expect.unique("a", "b").to_dict() == {"rule": "unique", "columns": ["a", "b"]}
    assert expectation_from_dict({"rule": "unique", "columns": ["a", "b"]}) == Unique(("a", "b"))


def test_python_form_equals_dict_form() -> None:
    assert expect.between("age", 0, 120) == expectation_from_dict(
        {"rule": "between", "column": "age", "min": 0, "max": 120}
    )
    assert expect.in_set("plan", ("a", "b")) == InSet("plan", ("a", "b"))
    assert expect.compare("a", "<", "b") == CompareColumns("a", "<", "b")


def test_rules_are_values_usable_in_sets() -> None:
    rules = {expect.not_null("a"), NotNull("a"), expect.in_set("p", ["x", "x", "y"])}
    assert len(rules) == 2
    assert expect.in_set("p", ["x", "x", "y"]).values == ("x", "y")  # repeats dropped
    with pytest.raises(AttributeError):
        expect.not_null("a").column = "b"  # type: ignore[misc]


def test_describe_reads_like_the_rule() -> None:
    assert expect.between("age", 0, 120).describe() == "0 <= age <= 120"
    assert Between("x", None, 5, max_inclusive=False).describe() == "x < 5"
    assert expect.compare("start", "<=", "end").describe() == "start <= end"
    assert expect.mean_between("t", 0.1).describe() == "0.1 <= mean(t)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "betwen", "column": "age"}, "unknown rule 'betwen'; known rules: not_null"),
        ({"column": "age"}, "unknown rule None"),
        ({"rule": "not_null", "column": "age", "colour": 1}, "has no key(s) ['colour']"),
        ({"rule": "in_set", "column": "plan"}, "needs key(s) ['values']"),
        ({"rule": "not_null", "column": 3}, "column must be a non-empty column name"),
        ({"rule": "not_null", "column": ""}, "column must be a non-empty column name"),
        ({"rule": "between", "column": "a"}, "between needs min, max or both"),
        ({"rule": "between", "column": "a", "min": 5, "max": 1}, "min (5) is greater than max"),
        ({"rule": "between", "column": "a", "min": "x", "max": 1.5e400}, "must be finite"),
        ({"rule": "between", "column": "a", "min": True}, "must be a number"),
        ({"rule": "between", "column": "a", "min": 0, "min_inclusive": "yes"}, "true or false"),
        ({"rule": "mean_between", "column": "a", "min": "0"}, "must be a number"),
        ({"rule": "in_set", "column": "p", "values": []}, "needs at least one value"),
        ({"rule": "in_set", "column": "p", "values": "ab"}, "values must be a list"),
        ({"rule": "in_set", "column": "p", "values": [[1]]}, "is not a text, number or boolean"),
        ({"rule": "matches_regex", "column": "c", "pattern": "(unclosed"}, "not a valid RE2"),
        ({"rule": "matches_regex", "column": "c", "pattern": "(?=ahead)"}, "not a valid RE2"),
        ({"rule": "matches_regex", "column": "c", "pattern": ""}, "non-empty text"),
        ({"rule": "dtype", "column": "a", "dtype": "int64"}, "is not one of bool, int"),
        ({"rule": "unique", "column": "a", "columns": ["b"]}, "either 'column' or 'columns'"),
        ({"rule": "unique", "columns": ["a", "a"]}, "lists a column twice"),
        ({"rule": "unique", "columns": []}, "needs at least one column"),
        ({"rule": "unique", "columns": "ab"}, "must be a list of column names"),
        ({"rule": "compare_columns", "column": "a", "op": "=<", "other": "b"}, "is not one of"),
        ({"rule": "no_extra_columns", "allowed": "a"}, "must be a list of column names"),
    ],
)
def test_malformed_rules_are_refused_with_a_clear_message(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        expectation_from_dict(data)
    assert message in str(caught.value)


def test_a_rule_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="must be a mapping"):
        expectation_from_dict(["not_null", "age"])  # type: ignore[arg-type]


def test_parse_expectations_names_the_bad_rule_by_position() -> None:
    rules = [{"rule": "not_null", "column": "a"}, expect.unique("b"), {"rule": "nope"}]
    with pytest.raises(InvalidValueError, match=r"^rule 3: unknown rule 'nope'"):
        parse_expectations(rules)
    assert parse_expectations(rules[:2]) == (NotNull("a"), Unique(("b",)))


@pytest.mark.parametrize("rules", ["not_null", {"rule": "not_null", "column": "a"}, 3])
def test_parse_expectations_wants_a_list(rules: Any) -> None:
    with pytest.raises(InvalidValueError, match="rules must be a list"):
        parse_expectations(rules)


def test_python_form_refuses_bad_arguments() -> None:
    with pytest.raises(InvalidValueError, match="values must be a list"):
        expect.in_set("plan", "free")
    with pytest.raises(InvalidValueError, match="needs at least one column"):
        expect.unique()
    with pytest.raises(InvalidValueError, match="must be a list of column names"):
        expect.no_extra_columns("age")
