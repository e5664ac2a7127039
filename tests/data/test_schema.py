"""Schemas: inferred from data, passed by that data, failed by drifted data, stored as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import loopml
from loopml.core import InvalidValueError, NotFoundError
from loopml.data import (
    ColumnSchema,
    Schema,
    expect,
    infer_schema,
    load_rules,
    load_schema,
    save_schema,
    validate,
)
from loopml.store import Stores


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = 200
    return pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + rows),
            "email": [f"user{i}@example.com" for i in range(rows)],
            "age": rng.integers(18, 80, rows),
            "income": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(50_000, 9_000, rows)),
            "plan": rng.choice(["free", "pro", "team"], rows),
            "active": rng.random(rows) < 0.5,
            "joined": pd.date_range("2024-01-01", periods=rows, freq="D"),
        }
    )


def test_inferred_schema_describes_the_columns(customers: pd.DataFrame) -> None:
    schema = infer_schema(customers)
    by_name = {column.name: column for column in schema.columns}
    assert schema.column_names == tuple(customers.columns)
    assert by_name["id"] == ColumnSchema("id", "int", False, 1000, 1199, None, True)
    assert by_name["email"].unique and by_name["email"].allowed is None
    age = by_name["age"]
    assert (age.dtype, age.nullable, age.unique) == ("int", False, False)
    assert (age.min, age.max) == (customers["age"].min(), customers["age"].max())
    income = by_name["income"]
    assert income.dtype == "float" and income.nullable
    assert income.min == customers["income"].min() and income.max == customers["income"].max()
    assert by_name["plan"].allowed == ("free", "pro", "team")
    assert by_name["active"] == ColumnSchema("active", "bool", False)
    assert by_name["joined"] == ColumnSchema("joined", "datetime", False)  # no range on time
    assert schema.strict and schema.num_rows == 200 and schema.inferred_from is None


def test_the_data_passes_its_own_schema_and_drifted_data_fails(customers: pd.DataFrame) -> None:
    schema = infer_schema(customers)
    assert validate(customers, schema).passed
    drifted = customers.copy()
    drifted.loc[3, "age"] = 150
    drifted.loc[4, "plan"] = "enterprise"
    drifted.loc[5, "id"] = 1000
    drifted["extra"] = 1
    report = validate(drifted, schema)
    failed = {(r.rule, r.column): r.example_rows for r in report.failures}
    assert failed == {
        ("between", "age"): (3,),
        ("in_set", "plan"): (4,),
        ("unique", "id"): (0, 5),
        ("no_extra_columns", ""): (),
    }


def test_margin_widens_ranges_and_rounds_integers_outwards() -> None:
    frame = pd.DataFrame({"n": [0, 10], "x": [0.0, 1.0]})
    schema = infer_schema(frame, margin=0.25)
    assert (schema.column("n").min, schema.column("n").max) == (-3, 13)
    assert (schema.column("x").min, schema.column("x").max) == (-0.25, 1.25)
    big = pd.DataFrame({"id": [2**62, 2**62 + 1]})
    assert infer_schema(big).column("id").max == 2**62 + 1  # exact, not through a float


def test_knobs_turn_categories_uniqueness_and_strictness_off(customers: pd.DataFrame) -> None:
    schema = infer_schema(customers, max_categories=2, detect_unique=False, strict=False)
    assert schema.column("plan").allowed is None
    assert not any(column.unique for column in schema.columns)
    assert not schema.strict
    assert "no_extra_columns" not in {rule.rule for rule in schema.expectations()}


def test_few_rows_are_not_enough_to_call_a_column_unique() -> None:
    schema = infer_schema(pd.DataFrame({"age": [30, 40, 50, 60]}))
    assert not schema.column("age").unique


def test_special_columns() -> None:
    table = pa.table(
        {
            "empty": pa.array([None, None], pa.null()),
            "inf": pa.array([1.0, float("inf")]),
            "cat": pa.array(["a", "a"]).dictionary_encode(),
            "nested": pa.array([[1], [2]]),
        }
    )
    schema = infer_schema(table)
    assert schema.column("empty") == ColumnSchema("empty", None, True)
    assert schema.column("inf").min is None  # an infinite end makes no range
    assert schema.column("cat").allowed == ("a",)
    assert schema.column("nested").dtype is None
    assert validate(table, schema).passed


def test_inferred_from_a_dataset_version(stores: Stores, customers: pd.DataFrame) -> None:
    version = loopml.log_dataset(customers, name="customers")
    schema = infer_schema(version)
    assert schema.inferred_from == "datasets:/customers/1" and schema.num_rows == 200
    assert validate(version, schema).passed


def test_json_round_trip_keeps_everything(customers: pd.DataFrame, tmp_path: Path) -> None:
    schema = infer_schema(customers, margin=0.1).with_rules(
        expect.compare("age", ">=", "age"), {"rule": "mean_between", "column": "age", "min": 18}
    )
    assert Schema.from_json(schema.to_json()) == schema
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
    path = save_schema(schema, tmp_path / "customers.schema.json")
    assert load_schema(path) == schema
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.schema.json"]
    data = json.loads(path.read_text())
    assert data["format"] == "loopml.schema" and data["format_version"] == 1
    assert data["rules"][0] == {
        "rule": "compare_columns",
        "column": "age",
        "op": ">=",
        "other": "age",
    }


def test_expectations_come_in_a_fixed_order() -> None:
    schema = Schema(
        (ColumnSchema("a", "int", False, 0, 9, None, True), ColumnSchema("b", allowed=("x",))),
        rules=(expect.compare("a", "<", "a"),),
    )
    assert [rule.rule for rule in schema.expectations()] == [
        "column_exists",
        "dtype",
        "not_null",
        "between",
        "unique",
        "column_exists",
        "in_set",
        "no_extra_columns",
        "compare_columns",
    ]


def test_schema_construction_checks_its_parts() -> None:
    with pytest.raises(InvalidValueError, match="describes a column twice"):
        Schema((ColumnSchema("a"), ColumnSchema("a")))
    with pytest.raises(InvalidValueError, match="dtype 'int64' for 'a' is not one of"):
        ColumnSchema("a", dtype="int64")
    with pytest.raises(InvalidValueError, match="min \\(5\\) is greater than max"):
        ColumnSchema("a", min=5, max=1)
    with pytest.raises(InvalidValueError, match="allowed must be a list"):
        ColumnSchema("a", allowed="xy")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="nullable and unique are true or false"):
        ColumnSchema("a", nullable="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="strict must be true or false"):
        Schema((), strict=1)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="schema column 'b' not found; available: a"):
        Schema((ColumnSchema("a"),)).column("b")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"columns": []}', 'not a loopml schema (expected "format": "loopml.schema")'),
        ('{"format": "loopml.schema", "format_version": 2}', "written by a newer loopml"),
        ('{"format": "loopml.schema", "format_version": "1"}', "must be a positive integer"),
        ('{"format": "loopml.schema", "format_version": 1, "colour": 1}', "unknown key(s)"),
        ('{"format": "loopml.schema", "format_version": 1, "columns": {}}', "must be a list"),
        (
            '{"format": "loopml.schema", "format_version": 1, "columns": [{"name": "a", "x": 1}]}',
            "schema column 'a' has unknown key(s) ['x']",
        ),
        (
            '{"format": "loopml.schema", "format_version": 1, "columns": [{"dtype": "int"}]}',
            "must be a mapping with a 'name'",
        ),
        (
            '{"format": "loopml.schema", "format_version": 1, "rules": [{"rule": "x"}]}',
            "schema rules: rule 1: unknown rule 'x'",
        ),
    ],
)
def test_bad_schema_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text(content)
    with pytest.raises(InvalidValueError) as caught:
        load_schema(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="schema file"):
        load_schema(tmp_path / "nope.json")
    with pytest.raises(NotFoundError, match="rules file"):
        load_rules(tmp_path / "nope.json")
    with pytest.raises(NotFoundError, match="folder"):
        save_schema(Schema(()), tmp_path / "no" / "such" / "schema.json")
    with pytest.raises(InvalidValueError, match="save_schema takes a Schema"):
        save_schema({"columns": []}, tmp_path / "schema.json")  # type: ignore[arg-type]


def test_yaml_files_when_pyyaml_is_there(tmp_path: Path) -> None:
    schema = Schema((ColumnSchema("a", "int"),), rules=(expect.not_null("a"),))
    assert load_schema(save_schema(schema, tmp_path / "schema.yaml")) == schema


def test_rules_files(tmp_path: Path, customers: pd.DataFrame) -> None:
    listed = tmp_path / "list.json"
    listed.write_text('[{"rule": "not_null", "column": "id"}, {"rule": "unique", "column": "id"}]')
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text('{"rules": [{"rule": "not_null", "column": "id"}]}')
    assert load_rules(listed) == (expect.not_null("id"), expect.unique("id"))
    assert load_rules(wrapped) == (expect.not_null("id"),)
    schema = infer_schema(customers)
    assert load_rules(save_schema(schema, tmp_path / "s.json")) == schema.expectations()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"rule": "not_null", "column": "id"}', "a rules file holds a list of rules"),
        ('{"rules": [], "extra": 1}', "a rules file holds a list of rules"),
        ('"not_null"', "rules must be a list of rules"),
        ('[{"rule": "between", "column": "a"}]', "rule 1: between needs min, max or both"),
    ],
)
def test_bad_rules_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(content)
    with pytest.raises(InvalidValueError, match=message):
        load_rules(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin": -0.1}, "margin must be a number >= 0"),
        ({"margin": True}, "margin must be a number >= 0"),
        ({"max_categories": -1}, "max_categories must be a whole number"),
        ({"max_categories": 2.5}, "max_categories must be a whole number"),
    ],
)
def test_bad_knobs_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        infer_schema(pd.DataFrame({"a": [1]}), **kwargs)  # type: ignore[arg-type]


def test_bad_data_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="must be a pandas DataFrame, a pyarrow Table"):
        infer_schema({"a": [1]})  # type: ignore[arg-type]
