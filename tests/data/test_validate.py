"""validate(): every rule on real pandas / Arrow data, every violation in one report."""

from __future__ import annotations

import io
import json
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from rich.console import Console

import loopml
from loopml.core import InvalidValueError
from loopml.data import RuleStatus, ValidationReport, expect, validate
from loopml.store import Stores


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "age": [34, 51, -3, 29, None, 130],
            "plan": ["free", "pro", "free", "gold", "pro", None],
            "code": ["AB12", "CD34", "bad", "EF56", "GH78", "IJ90"],
            "start": [1, 2, 3, 4, 5, 6],
            "end": [2, 2, 1, None, 9, 5],
        }
    )


def only(report: ValidationReport) -> dict[str, object]:
    assert len(report.results) == 1
    return report.results[0].to_dict()


def test_a_clean_table_passes_every_rule(people: pd.DataFrame) -> None:
    rules = [
        expect.not_null("id"),
        expect.unique("id"),
        expect.between("id", 1, 6),
        expect.in_set("code", people["code"].tolist()),
        expect.dtype("id", "int"),
        expect.mean_between("id", 3, 4),
        expect.column_exists("plan"),
        expect.no_extra_columns(people.columns),
        expect.compare("start", "<=", "start"),
    ]
    report = validate(people, rules)
    assert report.passed and not report.failures
    assert report.num_rows == 6 and report.columns == tuple(people.columns)
    assert [r.status for r in report.results] == [RuleStatus.PASSED] * len(rules)


def test_every_violation_is_reported_at_once(people: pd.DataFrame) -> None:
    report = validate(
        people,
        [
            expect.not_null("age"),
            expect.between("age", 0, 120),
            expect.in_set("plan", ["free", "pro"]),
            expect.matches_regex("code", r"^[A-Z]{2}\d{2}$"),
            expect.compare("start", "<=", "end"),
            expect.unique("plan"),
        ],
    )
    assert not report.passed
    found = {
        (r.rule, r.column): (r.failing_rows, r.example_rows, r.examples) for r in report.results
    }
    assert found[("not_null", "age")] == (1, (4,), (None,))
    assert found[("between", "age")] == (2, (2, 5), (-3.0, 130.0))
    assert found[("in_set", "plan")] == (1, (3,), ("gold",))  # the missing plan is not counted
    assert found[("matches_regex", "code")] == (1, (2,), ("bad",))
    assert found[("compare_columns", "start, end")] == (
        2,
        (2, 5),
        ({"start": 3, "end": 1.0}, {"start": 6, "end": 5.0}),
    )
    assert found[("unique", "plan")] == (4, (0, 1, 2, 4), ("free", "pro", "free", "pro"))
    between = next(r for r in report.results if r.rule == "between")
    assert between.checked_rows == 5
    assert between.observed == {"min": -3.0, "max": 130.0}
    assert between.message == "2 of 5 values outside the range (0 <= age <= 120)"


def test_examples_are_capped_but_counts_are_not() -> None:
    frame = pd.DataFrame({"x": np.arange(1000)})
    report = validate(frame, [expect.between("x", 0, 9)], max_examples=3)
    result = report.results[0]
    assert result.failing_rows == 990
    assert result.examples == (10, 11, 12) and result.example_rows == (10, 11, 12)
    assert validate(frame, [expect.between("x", 0, 9)], max_examples=0).results[0].examples == ()


def test_between_bounds_can_be_open_or_exclusive() -> None:
    frame = pd.DataFrame({"x": [0.0, 0.5, 1.0]})
    assert validate(frame, [expect.between("x", 0, 1)]).passed
    inner = validate(frame, [expect.between("x", 0, 1, min_inclusive=False, max_inclusive=False)])
    assert inner.results[0].failing_rows == 2
    assert validate(frame, [expect.between("x", max=0.5)]).results[0].example_rows == (2,)
    assert validate(frame, [expect.between("x", min=0.5)]).results[0].example_rows == (0,)


def test_between_on_dates_takes_iso_texts() -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-05", "2023-12-31", "2024-03-01"])})
    report = validate(frame, [expect.between("when", "2024-01-01", "2024-12-31")])
    assert report.results[0].example_rows == (1,)
    assert report.results[0].examples == (datetime(2023, 12, 31),)
    assert json.loads(report.to_json())["results"][0]["examples"] == ["2023-12-31T00:00:00"]


def test_missing_floats_are_missing_whether_nan_or_null() -> None:
    table = pa.table({"x": pa.array([1.0, float("nan"), None, 2.0])})
    report = validate(table, [expect.not_null("x"), expect.between("x", 0, 5)])
    assert report.results[0].failing_rows == 2 and report.results[0].example_rows == (1, 2)
    assert report.results[1].passed and report.results[1].checked_rows == 2


def test_categorical_and_arrow_dictionary_columns() -> None:
    frame = pd.DataFrame({"plan": pd.Categorical(["a", "b", "c", None, "a"])})
    rules = [expect.in_set("plan", ["a", "b"]), expect.matches_regex("plan", "^[ab]$")]
    for data in (frame, pa.Table.from_pandas(frame)):
        report = validate(data, rules)
        assert [r.failing_rows for r in report.results] == [1, 1]
        assert report.results[0].example_rows == (2,) and report.results[0].examples == ("c",)
    # Several chunks, each with its own dictionary.
    chunks = [pa.array(["x", "y"]).dictionary_encode(), pa.array(["z", "x"]).dictionary_encode()]
    table = pa.table({"plan": pa.chunked_array(chunks)})
    report = validate(table, [expect.in_set("plan", ["x", "y"])])
    assert report.results[0].example_rows == (2,)


def test_large_repetitive_text_columns_give_the_same_answers() -> None:
    rng = np.random.default_rng(0)
    codes = rng.choice(["AA", "BB", "CC", "dd"], size=60_000)
    codes[[7, 59_999]] = "zz"
    frame = pd.DataFrame({"code": pd.array(codes, dtype="str")})
    report = validate(
        frame,
        [expect.in_set("code", ["AA", "BB", "CC", "dd"]), expect.matches_regex("code", "^[A-Z]+$")],
    )
    assert report.results[0].failing_rows == 2 and report.results[0].example_rows == (7, 59_999)
    expected = int((codes == "dd").sum() + 2)
    assert report.results[1].failing_rows == expected


def test_unique_on_integers_texts_and_several_columns() -> None:
    frame = pd.DataFrame(
        {
            "small": pd.array([1, 2, None, 2, None, 7], dtype="Int64"),  # counted in an array
            "wide": [10**15, -(10**15), 5, 5, 0, 1],  # too wide to count: hashed
            "name": ["a", "b", "c", None, None, "c"],
            "city": ["x", "x", "y", "y", None, "y"],
        }
    )
    report = validate(
        frame,
        [
            expect.unique("small"),
            expect.unique("wide"),
            expect.unique("name"),
            expect.unique("name", "city"),
        ],
    )
    rows = [r.example_rows for r in report.results]
    assert rows == [(1, 3), (2, 3), (2, 5), (2, 5)]
    assert [r.checked_rows for r in report.results] == [4, 6, 4, 4]
    assert report.results[3].examples[0] == {"name": "c", "city": "y"}
    assert validate(frame.iloc[:3], [expect.unique("small")]).passed


def test_unique_on_many_integers_without_repeats_passes() -> None:
    frame = pd.DataFrame({"id": np.random.default_rng(1).permutation(100_000)})
    assert validate(frame, [expect.unique("id")]).passed


def test_dtype_kinds() -> None:
    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "f": [1.5, None],
            "s": ["a", "b"],
            "b": [True, False],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "mixed": pd.Series([1, "a"], dtype=object),
            "empty": pd.Series([None, None], dtype=object),
        }
    )
    passing = [
        expect.dtype("i", "int"),
        expect.dtype("i", "number"),
        expect.dtype("f", "float"),
        expect.dtype("f", "number"),
        expect.dtype("s", "string"),
        expect.dtype("b", "bool"),
        expect.dtype("t", "datetime"),
        expect.dtype("empty", "int"),  # no value contradicts it
    ]
    assert validate(frame, passing).passed
    report = validate(frame, [expect.dtype("f", "int"), expect.dtype("mixed", "string")])
    assert [r.observed for r in report.results] == ["float", "mixed"]
    assert report.results[0].message == "f is float (double), expected int"
    assert report.results[0].failing_rows is None


def test_mean_between() -> None:
    frame = pd.DataFrame({"y": [0, 1, 1, 1], "gone": [None, None, None, None]}, dtype="float")
    assert validate(frame, [expect.mean_between("y", 0.7, 0.8)]).results[0].observed == 0.75
    report = validate(frame, [expect.mean_between("y", max=0.5), expect.mean_between("gone", 0)])
    assert report.results[0].message == "mean 0.75 is outside the range (mean(y) <= 0.5)"
    assert report.results[1].status is RuleStatus.FAILED
    assert "no values to average" in report.results[1].message


def test_columns_missing_or_extra(people: pd.DataFrame) -> None:
    report = validate(
        people,
        [
            expect.column_exists("email"),
            expect.not_null("email"),
            expect.no_extra_columns(["id", "age", "plan"]),
        ],
    )
    exists, not_null, extra = report.results
    assert exists.status is RuleStatus.FAILED and exists.message == "column(s) missing: email"
    assert not_null.status is RuleStatus.ERROR
    assert extra.examples == ("code", "start", "end")
    assert report.to_dict()["counts"] == {"passed": 0, "failed": 2, "error": 1}


def test_a_rule_that_cannot_apply_is_an_error_and_the_others_still_run(
    people: pd.DataFrame,
) -> None:
    report = validate(
        people,
        [
            expect.between("plan", 0, 10),
            expect.in_set("age", ["young"]),
            expect.matches_regex("start", "^1$"),  # integers are matched as text
            expect.matches_regex("age", "^1$"),
            expect.mean_between("plan", 0, 1),
            expect.compare("plan", "<", "start"),
            expect.not_null("id"),
        ],
    )
    statuses = [r.status.value for r in report.results]
    assert statuses == ["error", "error", "failed", "error", "error", "error", "passed"]
    assert report.results[0].message.startswith("cannot check 0 <= plan <= 10 (plan is string)")
    assert report.results[3].message == "matches_regex needs text, and 'age' is float"
    assert report.results[2].failing_rows == 5


def test_dicts_and_objects_mix_and_a_schema_is_accepted(people: pd.DataFrame) -> None:
    report = validate(people, [{"rule": "not_null", "column": "id"}, expect.unique("id")])
    assert report.passed
    schema = loopml.data.infer_schema(people)
    assert validate(people, schema).passed


def test_report_as_json_and_dict(people: pd.DataFrame) -> None:
    report = validate(people, [expect.between("age", 0, 120), expect.not_null("id")])
    data = json.loads(report.to_json())
    assert data["format_version"] == 1 and data["passed"] is False
    assert data["num_rows"] == 6 and data["dataset"] is None
    first = data["results"][0]
    assert first["rule"] == "between" and first["column"] == "age" and first["status"] == "failed"
    assert first["failing_rows"] == 2 and first["example_rows"] == [2, 5]
    assert first["expectation"] == {"rule": "between", "column": "age", "min": 0, "max": 120}
    assert json.loads(report.to_json(indent=False)) == data


def test_report_table_and_summary(people: pd.DataFrame) -> None:
    report = validate(people, [expect.between("age", 0, 120), expect.not_null("id")])
    assert report.summary() == "1 of 2 rules passed (6 rows): 1 failed"
    out = io.StringIO()
    Console(file=out, width=200).print(report)
    text = out.getvalue()
    assert "between" in text and "2: -3, 5: 130" in text and "not_null" not in text
    out = io.StringIO()
    Console(file=out, width=200).print(report.table(include_passed=True))
    assert "not_null" in out.getvalue()


def test_raise_if_failed(people: pd.DataFrame) -> None:
    assert validate(people, [expect.not_null("id")]).raise_if_failed().passed
    with pytest.raises(InvalidValueError, match=r"validation failed, .*between age: 2 of 5"):
        validate(people, [expect.between("age", 0, 120)]).raise_if_failed()


def test_a_dataset_version_is_read_from_the_store(stores: Stores, people: pd.DataFrame) -> None:
    version = loopml.log_dataset(people.set_index("code"), name="people")  # index stored too
    report = validate(
        version,
        [
            expect.between("age", 0, 120),
            expect.no_extra_columns(["id", "age", "plan", "start", "end"]),
            expect.not_null("code"),
        ],
    )
    assert report.dataset == "datasets:/people/1" and report.num_rows == 6
    assert report.columns == ("id", "age", "plan", "start", "end")  # as load_dataset shows it
    between, extra, index = report.results
    assert between.failing_rows == 2 and between.example_rows == (2, 5)
    assert extra.passed and index.status is RuleStatus.ERROR
    assert "on datasets:/people/1" in report.summary()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2, 3], "must be a pandas DataFrame, a pyarrow Table or a DatasetVersion"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names: ['a']"),
        (pa.table([[1], [2]], names=["a", "a"]), "duplicate column names: ['a']"),
        (pd.DataFrame([[1, 2]], columns=[0, 1]), "columns named by strings"),
    ],
)
def test_bad_data_is_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        validate(data, [expect.not_null("a")])  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_bad_rules_and_arguments_are_refused(people: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="rule 2: unknown rule 'nope'"):
        validate(people, [expect.not_null("id"), {"rule": "nope"}])
    with pytest.raises(InvalidValueError, match="rules must be a list"):
        validate(people, "not_null id")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="max_examples must be a whole number"):
        validate(people, [expect.not_null("id")], max_examples=-1)
