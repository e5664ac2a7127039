"""The profile's queries: a sample, one wide scan, then one narrow scan per column.

Costs, for a table of R rows and C columns:

- :func:`draw_sample`: one scan, keeping about ``sample_rows`` rows (picked by a hash);
- :func:`scan_columns`: one scan for all the columns not counted value by value (those need no
  scan: their statistics follow from their exact value counts): counts, missing values,
  min/max, power sums for the moments, zeros, negatives, infinities, text lengths, HyperLogLog
  distinct estimates. The moments come from
  power sums taken about a centre near the mean (the sample's), which keeps the cancellation of
  ``E[x^2] - E[x]^2`` negligible while costing a third of DuckDB's ``stddev``/``skewness``/
  ``kurtosis`` aggregates;
- :func:`count_distinct_rows`: one scan hashing whole rows (duplicates), run beside the others;
- :func:`value_counts`: one narrow scan per column (and the target): exact counts per value or
  per histogram bin, split by target;
- :func:`duplicate_examples`: only when there are duplicates, the most repeated rows.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pandas as pd
import pyarrow as pa

from loopml.data._profile_model import ColumnKind, DuplicateExample, TextStats
from loopml.data._profile_source import ROW_NUMBER, Source, SourceColumn

EXACT_DISTINCT_LIMIT = 100_000
"""Text columns with at most this many distinct values (estimated) are counted value by value."""
DUPLICATE_EXAMPLES = 5
SAMPLE_HASH = "loopml_sample_hash"
"""The sample table's first column (the others are named ``c<index in source.columns>``)."""
_HASH = "loopml_row_hash"  # an alias no user column is expected to have
_HASH_RANGE = 1 << 32


@dataclass
class ColumnScan:
    """What the scan learned about one column."""

    column: SourceColumn
    present: int = 0
    distinct_estimate: int = 0
    finite: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None
    zeros: int = 0
    negatives: int = 0
    infinite: int = 0
    nan: int = 0
    true_count: int = 0
    text: TextStats | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None


def sample_expression(column: SourceColumn) -> str | None:
    """How a column's values enter the sample (None: not sampled)."""
    if column.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
        return column.number
    if column.kind is ColumnKind.CATEGORICAL:
        return value_key(column)
    if column.kind is ColumnKind.BOOLEAN:
        return column.value
    return None


def _aggregates(column: SourceColumn, center: float) -> list[tuple[str, str]]:
    ident, value = column.ident, column.value
    parts = [("present", f"count({value})")]
    if column.kind is ColumnKind.NUMERIC:
        number = column.number
        offset = f"({number} - {center!r})"
        parts += [
            ("finite", f"count({number})"),
            ("min", f"min({number})"),
            ("max", f"max({number})"),
            ("s1", f"sum({offset})"),
            ("s2", f"sum({offset} * {offset})"),
            ("s3", f"sum({offset} * {offset} * {offset})"),
            ("s4", f"sum(({offset} * {offset}) * ({offset} * {offset}))"),
            ("zeros", f"count_if({ident} = 0)"),
            ("negatives", f"count_if({number} < 0)"),
        ]
        if column.is_float:
            parts.append(("infinite", f"count_if(isinf({ident}))"))
            parts.append(("nan", f"count_if(isnan({ident}))"))
    elif column.kind is ColumnKind.CATEGORICAL:
        text = value_key(column)
        parts += [
            ("distinct_estimate", f"approx_count_distinct({ident})"),
            ("min_length", f"min(length({text}))"),
            ("max_length", f"max(length({text}))"),
            ("mean_length", f"avg(length({text}))"),
            ("empty", f"count_if({text} = '')"),
        ]
    elif column.kind is ColumnKind.BOOLEAN:
        parts.append(("true_count", f"count_if({ident})"))
    elif column.kind is ColumnKind.DATETIME:
        parts += [
            ("min", f"min({column.number})"),
            ("max", f"max({column.number})"),
            ("datetime_min", f"min({ident})::VARCHAR"),
            ("datetime_max", f"max({ident})::VARCHAR"),
        ]
    else:
        hashed = f"CASE WHEN {ident} IS NOT NULL THEN hash({ident}) END"
        parts.append(("distinct_estimate", f"approx_count_distinct({hashed})"))
    return parts


def moments(
    n: int, sums: tuple[float, float, float, float], center: float
) -> tuple[float | None, float | None, float | None, float | None]:
    """Mean, std (ddof=1), skewness and excess kurtosis (pandas' bias-corrected estimators)
    from the power sums ``sum((x - center)^k)``, k = 1..4, of ``n`` values."""
    if n == 0:
        return None, None, None, None
    s1, s2, s3, s4 = (value / n for value in sums)
    shift = s1
    m2 = max(s2 - shift * shift, 0.0)
    m3 = s3 - 3 * shift * s2 + 2 * shift**3
    m4 = s4 - 4 * shift * s3 + 6 * shift**2 * s2 - 3 * shift**4
    mean = center + shift
    std = math.sqrt(m2 * n / (n - 1)) if n > 1 else None
    # Round-off can leave a tiny m2 for a constant column; pandas then reports 0 skew and kurtosis.
    flat = m2 <= 1e-14 * max(abs(mean), 1.0) ** 2
    skewness: float | None = None
    if n >= 3:
        skewness = 0.0 if flat else math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    kurtosis: float | None = None
    if n >= 4:
        if flat:
            kurtosis = 0.0
        else:
            g2 = m4 / (m2 * m2)
            kurtosis = ((n + 1) * g2 - 3 * (n - 1)) * (n - 1) / ((n - 2) * (n - 3))
    return mean, std, skewness, kurtosis


def draw_sample(source: Source, *, fraction: float, seed: int) -> pa.Table:
    """A uniform sample of about ``fraction`` of the rows (all of them at 1.0), in one scan.

    Rows are kept when a hash of their row number (a Parquet file) or of their content (a table
    in memory, a CSV file) and the seed falls in a range: a Bernoulli sample that is the same
    for the same data and seed. The first column, :data:`SAMPLE_HASH`, is that hash: ordering by
    it is random, yet independent of the order the scan delivered the rows in. The others are
    the sampled columns (see :func:`sample_expression`).
    """
    picked = f"hash({ROW_NUMBER}, {int(seed)})"
    parts = [f"{picked} AS {SAMPLE_HASH}"]
    parts += [
        f"{expression} AS c{index}"
        for index, column in enumerate(source.columns)
        if (expression := sample_expression(column)) is not None
    ]
    where = ""
    if fraction < 1.0:
        where = f" WHERE {picked} % {_HASH_RANGE} < {int(fraction * _HASH_RANGE)}"
    return source.arrow(f"SELECT {', '.join(parts)} FROM src_numbered{where}")


def count_distinct_rows(source: Source) -> int:
    """How many distinct rows the table has, by a 64-bit hash of each row: on a billion
    distinct rows the chance that two collide is about 3 %, on a million one in 30 million."""
    row_hash = "hash(" + ", ".join(c.ident for c in source.columns) + ")"
    ((distinct,),) = source.query(f"SELECT count(DISTINCT {row_hash}) FROM src")
    return int(distinct)


def scan_columns(
    source: Source,
    columns: list[SourceColumn],
    centers: dict[str, float],
    *,
    estimate_distinct: set[str],
    parts: int = 2,
) -> dict[str, ColumnScan]:
    """The scan over ``columns`` at once (see the module docstring): a :class:`ColumnScan` each.

    The columns are shared out between ``parts`` queries run at once on their own cursors:
    DuckDB reads one Parquet row group on one thread, so a file of a single row group would
    otherwise be scanned on one core.

    Args:
        centers: per numeric column, a value near its mean (the sample's); power sums are
            taken about it.
        estimate_distinct: numeric columns whose distinct values are estimated here
            (HyperLogLog), because they will not be counted value by value.
        parts: how many queries share the columns.
    """
    if not columns:
        return {}
    fields: list[tuple[str, str, str]] = []  # (column, field, sql)
    for column in columns:
        center = centers.get(column.name, 0.0)
        fields += [(column.name, key, sql) for key, sql in _aggregates(column, center)]
        if column.name in estimate_distinct:
            estimate = f"approx_count_distinct({column.value})"
            fields.append((column.name, "distinct_estimate", estimate))
    names = [column.name for column in columns]
    shares = [
        [field for field in fields if names.index(field[0]) % parts == part]
        for part in range(parts)
    ]

    def run(share: list[tuple[str, str, str]]) -> tuple[Any, ...]:
        with source.cursor() as own:
            select = ", ".join(sql for _, _, sql in share)
            (row,) = own.query(f"SELECT {select} FROM src")
            return tuple(row)

    shares = [share for share in shares if share]
    with ThreadPoolExecutor(max_workers=max(len(shares) - 1, 1)) as pool:
        others = [pool.submit(run, share) for share in shares[1:]]
        rows = [run(shares[0]), *(other.result() for other in others)]
    raw: dict[str, dict[str, Any]] = {column.name: {} for column in columns}
    for share, row in zip(shares, rows, strict=True):
        for (name, key, _), value in zip(share, row, strict=True):
            raw[name][key] = value
    return {c.name: _to_scan(c, raw[c.name], centers.get(c.name, 0.0)) for c in columns}


def _to_scan(column: SourceColumn, raw: dict[str, Any], center: float) -> ColumnScan:
    scan = ColumnScan(column=column, present=int(raw["present"] or 0))
    scan.distinct_estimate = int(raw.get("distinct_estimate") or 0)
    if column.kind is ColumnKind.NUMERIC:
        scan.finite = int(raw["finite"] or 0)
        scan.min = _float(raw["min"])
        scan.max = _float(raw["max"])
        sums = tuple(float(raw[key] or 0.0) for key in ("s1", "s2", "s3", "s4"))
        scan.mean, scan.std, scan.skewness, scan.kurtosis = moments(
            scan.finite, (sums[0], sums[1], sums[2], sums[3]), center
        )
        scan.zeros = int(raw["zeros"] or 0)
        scan.negatives = int(raw["negatives"] or 0)
        scan.infinite = int(raw.get("infinite") or 0)
        scan.nan = int(raw.get("nan") or 0)
    elif column.kind is ColumnKind.CATEGORICAL:
        scan.text = TextStats(
            min_length=_int(raw["min_length"]),
            max_length=_int(raw["max_length"]),
            mean_length=_float(raw["mean_length"]),
            empty=int(raw["empty"] or 0),
        )
    elif column.kind is ColumnKind.BOOLEAN:
        scan.true_count = int(raw["true_count"] or 0)
        scan.distinct_estimate = int(scan.true_count > 0) + int(scan.present > scan.true_count)
    elif column.kind is ColumnKind.DATETIME:
        scan.finite = scan.present
        scan.min, scan.max = _float(raw["min"]), _float(raw["max"])
        scan.datetime_min, scan.datetime_max = raw["datetime_min"], raw["datetime_max"]
    scan.distinct_estimate = min(scan.distinct_estimate, scan.present)
    return scan


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def value_key(column: SourceColumn) -> str:
    """SQL grouping a column by value (text for categoricals, so ENUMs group like strings)."""
    if column.kind is ColumnKind.CATEGORICAL:
        return f"{column.ident}::VARCHAR"
    return column.value


def bin_key(scan: ColumnScan, low: float, width: float, bins: int) -> str:
    """SQL for the histogram bin (0 .. bins-1) of a finite value, NULL otherwise.

    Every finite value lies within [min, max], so only the top edge needs clipping; NaN and
    infinities (which would land in a bin) are spelled out only for a column that has them.
    """
    column = scan.column
    if column.kind is ColumnKind.NUMERIC and not (scan.infinite or scan.nan):
        raw = f"floor(({column.ident} - {low!r}) / {width!r})"
        return f"least({raw}, {bins - 1})::INTEGER"
    number = column.number
    raw = f"floor(({number} - {low!r}) / {width!r})"
    # DuckDB's greatest and least skip NULLs, so the NULL case is spelled out.
    return f"CASE WHEN {number} IS NOT NULL THEN least(greatest({raw}, 0), {bins - 1})::INTEGER END"


@dataclass(frozen=True)
class TargetSql:
    """How the grouped queries split counts by the target: by its raw value (classes, mapped to
    labels afterwards, which spares a cast per row) or by its sum and count (regression)."""

    expression: str
    classification: bool


def value_counts(source: Source, key: str, target: TargetSql | None) -> pd.DataFrame:
    """Rows per ``key``, a value or a histogram bin (and per target value, or with the target's
    sum and count).

    Columns: ``key``, ``n``; plus ``cls`` (classification: the target's raw value) or ``tsum``,
    ``tcount`` (regression). A NULL key is the group of rows without a value.
    """
    if target is None:
        sql = f"SELECT {key} AS key, count(*) AS n FROM src GROUP BY ALL"
    elif target.classification:
        sql = (
            f"SELECT {key} AS key, {target.expression} AS cls, count(*) AS n FROM src GROUP BY ALL"
        )
    else:
        sql = (
            f"SELECT {key} AS key, count(*) AS n, sum({target.expression}) AS tsum, "
            f"count({target.expression}) AS tcount FROM src GROUP BY ALL"
        )
    return source.frame(sql)


def top_values(source: Source, column: SourceColumn, limit: int) -> pd.DataFrame:
    """The ``limit`` most frequent values (columns ``key``, ``n``): for columns with too many
    distinct values to count them all in memory (DuckDB spills the grouping to disk)."""
    key = value_key(column)
    return source.frame(
        f"SELECT {key} AS key, count(*) AS n FROM src WHERE {column.value} IS NOT NULL "
        f"GROUP BY ALL ORDER BY n DESC, key LIMIT {int(limit)}"
    )


def duplicate_examples(source: Source) -> list[DuplicateExample]:
    """The most repeated rows and how often each occurs (two scans: run only when there are
    duplicates). Rows are compared by a 64-bit hash of every column: on a billion distinct rows
    the chance that two collide is about 3 %, on a million about one in 30 million."""
    row_hash = "hash(" + ", ".join(c.ident for c in source.columns) + ")"
    (summary,) = source.query(
        f"SELECT max_by(h, n, {DUPLICATE_EXAMPLES}), max(n, {DUPLICATE_EXAMPLES}) "
        f"FROM (SELECT {row_hash} AS h, count(*) AS n FROM src GROUP BY h)"
    )
    times = {int(h): int(n) for h, n in zip(summary[0], summary[1], strict=True) if n > 1}
    if not times:
        return []
    picks = ", ".join(f"any_value({c.ident})" for c in source.columns)
    hashes = ", ".join(str(h) for h in times)
    rows = source.query(
        f"SELECT {_HASH}, {picks} FROM (SELECT {row_hash} AS {_HASH}, * FROM src) "
        f"WHERE {_HASH} IN ({hashes}) GROUP BY {_HASH}"
    )
    examples = [
        DuplicateExample(
            count=times[int(row[0])],
            row={c.name: _plain(value) for c, value in zip(source.columns, row[1:], strict=True)},
        )
        for row in rows
    ]
    return sorted(examples, key=lambda example: -example.count)


def _plain(value: Any) -> Any:
    """A cell as JSON can hold it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
