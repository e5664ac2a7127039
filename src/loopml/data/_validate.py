"""Run expectations over a table and report every violation at once.

Each rule is one or two vectorised passes over its columns with ``pyarrow.compute``: no Python
loop over rows. Uniqueness counts integers in an array as long as their span when it is small,
and otherwise uses pandas' hash tables (10x faster than Arrow's group-by on several keys); text
columns whose values repeat are dictionary-encoded once, so text rules run on distinct values.
Rules that usually pass take a cheap path first (a range is checked against the column's min and
max) and build a row mask only when something fails, to find how many rows fail and which.

A rule never stops the run: a missing column or a type the rule cannot apply to makes that
rule's result an ``error`` and the other rules still run, so one report lists everything wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loopml.core import InvalidValueError
from loopml.data._datasets import DatasetVersion, dataset_path
from loopml.data._expectations import (
    Between,
    ColumnExists,
    CompareColumns,
    Dtype,
    Expectation,
    InSet,
    MatchesRegex,
    MeanBetween,
    NoExtraColumns,
    NotNull,
    Unique,
    dtype_kind,
    dtype_matches,
    parse_expectations,
)
from loopml.data._validation_report import RuleResult, RuleStatus, ValidationReport

if TYPE_CHECKING:
    from loopml.store import Stores

DEFAULT_MAX_EXAMPLES = 5
MIXED = "mixed"
"""The kind of a pandas object column holding values of several types."""
_ENCODE_MIN_ROWS = 50_000
_ENCODE_SAMPLE = 10_000


@runtime_checkable
class RuleSource(Protocol):
    """Anything that yields rules, such as a :class:`~loopml.data.Schema`."""

    def expectations(self) -> tuple[Expectation, ...]:
        """The rules to check."""
        ...


class TableView:
    """The columns of a DataFrame or Arrow table as Arrow arrays, each converted once, on use.

    Missing floats are nulls here whatever their source (pandas NaN or an Arrow NaN), so every
    rule treats them alike. A pandas object column holding values of several types becomes text
    and is of kind ``mixed``.
    """

    def __init__(
        self,
        data: pd.DataFrame | pa.Table | pa.RecordBatch,
        *,
        column_names: Sequence[str] | None = None,
    ) -> None:
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, pd.DataFrame):
            if not all(isinstance(c, str) for c in data.columns):
                raise InvalidValueError("validation needs columns named by strings")
            if data.columns.duplicated().any():
                dupes = sorted(set(data.columns[data.columns.duplicated()]))
                raise InvalidValueError(f"the data has duplicate column names: {dupes}")
        elif not isinstance(data, pa.Table):
            raise InvalidValueError(
                "the data must be a pandas DataFrame, a pyarrow Table or a DatasetVersion, "
                f"not {type(data).__name__}"
            )
        elif len(set(data.column_names)) != data.num_columns:
            dupes = sorted({n for n in data.column_names if data.column_names.count(n) > 1})
            raise InvalidValueError(f"the data has duplicate column names: {dupes}")
        self._data = data
        # A table read for some rules may hold only their columns; the others still exist.
        self.column_names: tuple[str, ...] = tuple(
            column_names
            if column_names is not None
            else data.columns
            if isinstance(data, pd.DataFrame)
            else data.column_names
        )
        self.num_rows = len(data) if isinstance(data, pd.DataFrame) else data.num_rows
        self._arrow: dict[str, pa.ChunkedArray] = {}
        self._kinds: dict[str, str] = {}
        self._texts: dict[str, pa.ChunkedArray] = {}

    @classmethod
    def of_version(
        cls, version: DatasetVersion, *, columns: Iterable[str] | None, stores: Stores | None
    ) -> TableView:
        """A dataset version's columns (only ``columns`` are read when given), as Arrow.

        A stored pandas index is left out, as :func:`~loopml.data.load_dataset` makes it the
        index, not a column.
        """
        with dataset_path(version, stores=stores) as path:
            schema = pq.read_schema(path)
            metadata = schema.pandas_metadata or {}
            index = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
            names = [name for name in schema.names if name not in index]
            wanted = set(names if columns is None else columns)
            table = pq.read_table(path, columns=[name for name in names if name in wanted])
        return cls(table.replace_schema_metadata(None), column_names=names)

    def has(self, name: str) -> bool:
        """Whether the table has column ``name``."""
        return name in self.column_names

    def arrow(self, name: str) -> pa.ChunkedArray:
        """Column ``name`` as Arrow (missing values as nulls)."""
        if name not in self._arrow:
            self._arrow[name] = self._convert(name)
        return self._arrow[name]

    def kind(self, name: str) -> str:
        """The kind of values column ``name`` holds (see :data:`~loopml.data.DTYPES`)."""
        values = self.arrow(name)
        return self._kinds.get(name) or dtype_kind(values.type)

    def text(self, name: str) -> pa.ChunkedArray:
        """Column ``name`` for text rules: dictionary-encoded when its values repeat a lot.

        Several rules on one categorical text column (an allowed set, a regex) then each run on
        its few distinct values instead of every row; a strided sample decides, so a column of
        mostly distinct values is not hashed for nothing.
        """
        if name not in self._texts:
            values = self.arrow(name)
            if (
                dtype_kind(values.type) == "string"
                and not pa.types.is_dictionary(values.type)
                and len(values) >= _ENCODE_MIN_ROWS
            ):
                step = len(values) // _ENCODE_SAMPLE
                sample = values.take(pa.array(np.arange(0, step * _ENCODE_SAMPLE, step)))
                if len(pc.unique(sample)) * 2 <= _ENCODE_SAMPLE:
                    values = pc.dictionary_encode(values)
            self._texts[name] = values
        return self._texts[name]

    def pandas(self, name: str) -> pd.Series:
        """Column ``name`` as pandas (the original Series when the data is a DataFrame)."""
        if isinstance(self._data, pd.DataFrame):
            return self._data[name]
        return self.arrow(name).to_pandas()

    def _convert(self, name: str) -> pa.ChunkedArray:
        if isinstance(self._data, pa.Table):
            values = self._data.column(name)
            if pa.types.is_floating(values.type):
                nan = pc.is_nan(values)
                if pc.any(nan).as_py():
                    values = pc.if_else(nan, pa.scalar(None, values.type), values)
            return values
        series = self._data[name]
        try:
            converted = pa.Array.from_pandas(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            self._kinds[name] = MIXED
            converted = pa.Array.from_pandas(series.astype("str"))
        if isinstance(converted, pa.ChunkedArray):
            return converted
        return pa.chunked_array([converted])


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _row_result(
    rule: Expectation,
    view: TableView,
    bad: pa.ChunkedArray | pa.Array,
    *,
    checked: int,
    limit: int,
    what: str,
    observed: Any = None,
) -> RuleResult:
    """The result of a row rule from its mask of failing rows (null counts as not failing)."""
    bad = pc.fill_null(bad, False)
    failing = int(pc.sum(bad).as_py() or 0)
    if failing == 0:
        return RuleResult(rule, RuleStatus.PASSED, "", 0, checked, observed=observed)
    rows = pc.indices_nonzero(bad).slice(0, limit)
    columns = rule.columns
    if len(columns) == 1:
        examples = [_plain(v) for v in view.arrow(columns[0]).take(rows).to_pylist()]
    else:
        picked = {c: view.arrow(c).take(rows).to_pylist() for c in columns}
        examples = [{c: _plain(picked[c][i]) for c in columns} for i in range(len(rows))]
    return RuleResult(
        rule,
        RuleStatus.FAILED,
        f"{failing:,} of {checked:,} {what}",
        failing,
        checked,
        tuple(examples),
        tuple(int(row) for row in rows.to_pylist()),
        observed,
    )


def _present(values: pa.ChunkedArray) -> int:
    return int(len(values) - values.null_count)


def _decoded(values: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(values.type):
        return values.cast(values.type.value_type)
    return values


def _on_values(values: pa.ChunkedArray, kernel: Callable[[pa.Array], pa.Array]) -> pa.ChunkedArray:
    """Apply an element-wise ``kernel`` chunk by chunk; on a dictionary chunk, to the (small)
    dictionary only, then spread to the rows by the indices."""
    chunks = []
    for chunk in values.chunks:
        if pa.types.is_dictionary(chunk.type):
            chunks.append(kernel(chunk.dictionary).take(chunk.indices))
        else:
            chunks.append(kernel(chunk))
    return pa.chunked_array(chunks, type=pa.bool_())


def _scalar_for(value: Any, values: pa.ChunkedArray) -> Any:
    """A rule's bound as a scalar comparable with ``values`` (ISO texts for dates and times)."""
    if isinstance(value, str) and dtype_kind(values.type) != "string":
        return pa.scalar(value).cast(values.type)
    return value


def _check_not_null(rule: NotNull, view: TableView, limit: int) -> RuleResult:
    values = view.arrow(rule.column)
    if values.null_count == 0:
        return RuleResult(rule, RuleStatus.PASSED, "", 0, len(values))
    return _row_result(
        rule, view, values.is_null(), checked=len(values), limit=limit, what="values are missing"
    )


def _check_between(rule: Between, view: TableView, limit: int) -> RuleResult:
    values = _decoded(view.arrow(rule.column))
    low = _scalar_for(rule.min, values)
    high = _scalar_for(rule.max, values)
    extremes = pc.min_max(values).as_py()
    observed = {"min": _plain(extremes["min"]), "max": _plain(extremes["max"])}
    below = pc.less if rule.min_inclusive else pc.less_equal
    above = pc.greater if rule.max_inclusive else pc.greater_equal
    low_ok = low is None or extremes["min"] is None or not below(extremes["min"], low).as_py()
    high_ok = high is None or extremes["max"] is None or not above(extremes["max"], high).as_py()
    if low_ok and high_ok:
        return RuleResult(rule, RuleStatus.PASSED, "", 0, _present(values), observed=observed)
    masks = [below(values, low) if low is not None else None]
    masks.append(above(values, high) if high is not None else None)
    present = [mask for mask in masks if mask is not None]
    bad = present[0] if len(present) == 1 else pc.or_(present[0], present[1])
    return _row_result(
        rule,
        view,
        bad,
        checked=_present(values),
        limit=limit,
        what=f"values outside the range ({rule.describe()})",
        observed=observed,
    )


def _value_set(rule: InSet, value_type: pa.DataType) -> pa.Array:
    target = value_type.value_type if pa.types.is_dictionary(value_type) else value_type
    try:
        return pa.array(list(rule.values)).cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise _RuleError(f"the allowed values do not fit a column of type {target}: {exc}") from exc


def _check_in_set(rule: InSet, view: TableView, limit: int) -> RuleResult:
    values = view.text(rule.column)
    allowed = _value_set(rule, values.type)
    known = _on_values(values, lambda chunk: pc.is_in(chunk, value_set=allowed))
    present = _present(values)
    if int(pc.sum(known).as_py() or 0) == present:
        return RuleResult(rule, RuleStatus.PASSED, "", 0, present)
    return _row_result(
        rule,
        view,
        pc.and_(pc.invert(known), values.is_valid()),
        checked=present,
        limit=limit,
        what="values are not in the allowed set",
    )


def _check_matches_regex(rule: MatchesRegex, view: TableView, limit: int) -> RuleResult:
    values = view.text(rule.column)
    kind = view.kind(rule.column)
    if kind == "int":
        values = _decoded(values).cast(pa.string())
    elif kind not in ("string", MIXED):
        raise _RuleError(f"matches_regex needs text, and {rule.column!r} is {kind}")
    matched = _on_values(values, lambda chunk: pc.match_substring_regex(chunk, rule.pattern))
    present = _present(values)
    if int(pc.sum(matched).as_py() or 0) == present:
        return RuleResult(rule, RuleStatus.PASSED, "", 0, present)
    return _row_result(
        rule,
        view,
        pc.invert(matched),
        checked=present,
        limit=limit,
        what=f"values do not match {rule.pattern!r}",
    )


def _repeated_integers(values: pa.ChunkedArray) -> np.ndarray | None:
    """Rows whose integer value occurs twice or more, by counting each value in an array as
    long as the values' span (a few times faster than hashing); None when the span is too wide."""
    extremes = pc.min_max(values).as_py()
    low, high = extremes["min"], extremes["max"]
    if low is None:
        return np.zeros(len(values), dtype=bool)
    if high - low > 4 * len(values) + 1024 or low < -(2**62) or high > 2**62:
        return None
    if values.null_count == 0:
        offsets = values.to_numpy().astype(np.int64, copy=False) - low
        counts = np.bincount(offsets)
        if counts.max() <= 1:
            return np.zeros(len(values), dtype=bool)
        return np.asarray(counts[offsets] > 1)
    offsets = pc.fill_null(values, low).to_numpy().astype(np.int64, copy=False) - low
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    counts = np.bincount(offsets[valid])
    return np.asarray((counts[offsets] > 1) & valid)


def _check_unique(rule: Unique, view: TableView, limit: int) -> RuleResult:
    repeated: np.ndarray | None = None
    if len(rule.key) == 1:
        values = view.arrow(rule.key[0])
        if dtype_kind(values.type) == "int" and not pa.types.is_dictionary(values.type):
            repeated = _repeated_integers(values)
        if repeated is None:
            series = view.pandas(rule.key[0])
            repeated = (series.duplicated(keep=False) & series.notna()).to_numpy(dtype=bool)
        checked = _present(values)
    else:
        frame = pd.DataFrame({name: view.pandas(name) for name in rule.key})  # one index
        complete = frame.notna().all(axis=1)
        repeated = (frame.duplicated(keep=False) & complete).to_numpy(dtype=bool)
        checked = int(complete.sum())
    return _row_result(
        rule,
        view,
        pa.array(repeated),
        checked=checked,
        limit=limit,
        what="rows share their value with another row",
    )


def _check_dtype(rule: Dtype, view: TableView, limit: int) -> RuleResult:
    kind = view.kind(rule.column)
    if dtype_matches(kind, rule.dtype):
        return RuleResult(rule, RuleStatus.PASSED, checked_rows=view.num_rows, observed=kind)
    return RuleResult(
        rule,
        RuleStatus.FAILED,
        f"{rule.column} is {kind} ({view.arrow(rule.column).type}), expected {rule.dtype}",
        checked_rows=view.num_rows,
        observed=kind,
    )


def _check_mean_between(rule: MeanBetween, view: TableView, limit: int) -> RuleResult:
    values = _decoded(view.arrow(rule.column))
    if view.kind(rule.column) not in ("int", "float", "bool"):
        raise _RuleError(
            f"mean_between needs numbers, and {rule.column!r} is {view.kind(rule.column)}"
        )
    mean = pc.mean(values).as_py()
    checked = _present(values)
    if mean is None:
        message = f"{rule.column} has no values to average"
        return RuleResult(rule, RuleStatus.FAILED, message, checked_rows=checked)
    inside = (rule.min is None or mean >= rule.min) and (rule.max is None or mean <= rule.max)
    status = RuleStatus.PASSED if inside else RuleStatus.FAILED
    message = "" if inside else f"mean {mean:.6g} is outside the range ({rule.describe()})"
    return RuleResult(rule, status, message, checked_rows=checked, observed=mean)


def _check_column_exists(rule: ColumnExists, view: TableView, limit: int) -> RuleResult:
    return RuleResult(rule, RuleStatus.PASSED, checked_rows=view.num_rows)


def _check_no_extra_columns(rule: NoExtraColumns, view: TableView, limit: int) -> RuleResult:
    allowed = set(rule.allowed)
    extra = [name for name in view.column_names if name not in allowed]
    if not extra:
        return RuleResult(rule, RuleStatus.PASSED, checked_rows=view.num_rows)
    message = f"{len(extra)} column(s) not in the schema: {', '.join(extra)}"
    return RuleResult(rule, RuleStatus.FAILED, message, examples=tuple(extra), observed=extra)


_COMPARISONS = {
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
    "==": pc.equal,
    "!=": pc.not_equal,
}


def _check_compare_columns(rule: CompareColumns, view: TableView, limit: int) -> RuleResult:
    left = _decoded(view.arrow(rule.column))
    right = _decoded(view.arrow(rule.other))
    holds = _COMPARISONS[rule.op](left, right)
    checked = len(holds) - holds.null_count
    return _row_result(
        rule,
        view,
        pc.invert(holds),
        checked=checked,
        limit=limit,
        what=f"rows break {rule.describe()}",
    )


class _RuleError(Exception):
    """A rule cannot be applied to this data (wrong type); becomes an ``error`` result."""


_CHECKS: dict[type[Expectation], Callable[[Any, TableView, int], RuleResult]] = {
    NotNull: _check_not_null,
    Between: _check_between,
    InSet: _check_in_set,
    MatchesRegex: _check_matches_regex,
    Unique: _check_unique,
    Dtype: _check_dtype,
    MeanBetween: _check_mean_between,
    ColumnExists: _check_column_exists,
    NoExtraColumns: _check_no_extra_columns,
    CompareColumns: _check_compare_columns,
}


def check_rule(rule: Expectation, view: TableView, *, max_examples: int) -> RuleResult:
    """One rule's result; a missing column or an unusable type gives an ``error`` result."""
    missing = [name for name in rule.columns if not view.has(name)]
    if missing:
        status = RuleStatus.FAILED if isinstance(rule, ColumnExists) else RuleStatus.ERROR
        return RuleResult(rule, status, f"column(s) missing: {', '.join(missing)}")
    check = _CHECKS.get(type(rule))
    if check is None:
        raise InvalidValueError(f"no check for rules of type {type(rule).__name__}")
    try:
        return check(rule, view, max_examples)
    except _RuleError as exc:
        return RuleResult(rule, RuleStatus.ERROR, str(exc))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        kinds = ", ".join(f"{name} is {view.kind(name)}" for name in rule.columns)
        message = f"cannot check {rule.describe()} ({kinds}): {exc}".split("\n")[0]
        return RuleResult(rule, RuleStatus.ERROR, message)


def _as_rules(
    rules: RuleSource | Iterable[Expectation | Mapping[str, Any]],
) -> Sequence[Expectation]:
    if isinstance(rules, RuleSource):
        return rules.expectations()
    return parse_expectations(rules)


def validate(
    data: pd.DataFrame | pa.Table | DatasetVersion,
    rules: RuleSource | Iterable[Expectation | Mapping[str, Any]],
    *,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    stores: Stores | None = None,
) -> ValidationReport:
    """Check ``data`` against every rule and report all violations at once.

    Args:
        data: a DataFrame, an Arrow table, or a dataset version (loaded from the store).
        rules: a :class:`~loopml.data.Schema`, or rules as objects (``expect.between(...)``)
            or dicts (``{"rule": "between", ...}``), mixed freely.
        max_examples: how many failing values (and their row positions) each result keeps.
        stores: where a dataset version is read from (the default stores when None).

    Returns:
        The report: ``passed``, one result per rule in rule order, ``to_json()``, ``table()``.

    Raises:
        InvalidValueError: the data is not a table, or a rule is malformed. A rule the data
            breaks is not an error: it is a failed result in the report.
    """
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 0:
        raise InvalidValueError(f"max_examples must be a whole number >= 0, not {max_examples!r}")
    expectations = _as_rules(rules)
    if isinstance(data, DatasetVersion):
        needed = {name for rule in expectations for name in rule.columns}
        view = TableView.of_version(data, columns=needed, stores=stores)
    else:
        view = TableView(data)
    dataset = data.uri if isinstance(data, DatasetVersion) else None
    results = tuple(check_rule(rule, view, max_examples=max_examples) for rule in expectations)
    return ValidationReport(results, view.num_rows, view.column_names, dataset)
