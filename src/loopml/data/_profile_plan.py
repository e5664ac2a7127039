"""How each column is counted: value by value, by histogram bin, or only its top values.

The choice is made from the sample, before any full scan. Counting value by value is exact and
needs no scan of its own: every statistic of the column (moments, min/max, lengths, distinct
count, histogram) follows from the exact value counts. Columns with too many values to count one
by one are scanned for their moments, min/max and a HyperLogLog distinct estimate, then counted
per histogram bin (numbers, dates) or by their most frequent values only (text).
"""

from __future__ import annotations

import enum

from loopml.data._profile_columns import (
    TOP_VALUES,
    ColumnDetail,
    bin_layout,
    detail_from_bins,
    detail_from_top,
    detail_from_values,
    scan_from_values,
)
from loopml.data._profile_model import ColumnKind
from loopml.data._profile_sample import SampleCounts
from loopml.data._profile_source import Source, SourceColumn
from loopml.data._profile_stats import (
    ColumnScan,
    TargetSql,
    bin_key,
    top_values,
    value_counts,
    value_key,
)
from loopml.data._profile_target import TargetSpec

DISCRETE_NUMERIC_LIMIT = 10_000
"""A number whose sample shows at most this many distinct values, nearly all repeated, is
counted value by value; others are binned."""
TEXT_SAMPLE_LIMIT = 20_000
"""Text whose sample shows at most this many distinct values, few of them once, is counted value
by value; other text gets its most frequent values and an estimated distinct count."""


class Counting(enum.Enum):
    """How a column is counted."""

    VALUES = "values"  # exact counts per value; no scan needed
    BINS = "bins"  # scanned, then counted per histogram bin
    TOP = "top"  # scanned, then its most frequent values only
    SCAN = "scan"  # scanned only (nested and other types)


def choose_counting(column: SourceColumn, seen: SampleCounts | None, *, full: bool) -> Counting:
    """Decide from the sample (``seen``: its distinct values; ``full``: it is the whole table)."""
    kind = column.kind
    if kind is ColumnKind.BOOLEAN:
        return Counting.VALUES
    if kind is ColumnKind.DATETIME:
        return Counting.BINS
    if kind is ColumnKind.OTHER or seen is None:
        return Counting.SCAN
    if kind is ColumnKind.CATEGORICAL:
        if full or (seen.distinct <= TEXT_SAMPLE_LIMIT and seen.singletons <= 0.05 * seen.rows):
            return Counting.VALUES
        return Counting.TOP
    if seen.distinct > DISCRETE_NUMERIC_LIMIT:
        return Counting.BINS
    # A sample of the whole table knows; a partial one must have seen nearly every value
    # repeatedly (few singletons means little probability mass on values it has not seen).
    if full or seen.singletons <= 0.001 * seen.rows:
        return Counting.VALUES
    return Counting.BINS


def _split_by(
    column: SourceColumn, spec: TargetSpec | None
) -> tuple[TargetSpec | None, TargetSql | None]:
    if spec is None or spec.sql is None or spec.name == column.name:
        return None, None
    return spec, spec.sql


def count_values(
    source: Source, column: SourceColumn, spec: TargetSpec | None, *, num_rows: int
) -> tuple[ColumnScan, ColumnDetail]:
    """Count a column value by value (on its own cursor): its scan and its detail."""
    split, target_sql = _split_by(column, spec)
    with source.cursor() as own:
        frame = value_counts(own, value_key(column), target_sql)
    scan = scan_from_values(column, frame, num_rows=num_rows)
    return scan, detail_from_values(scan, frame, split)


def count_scanned(
    source: Source,
    scan: ColumnScan,
    spec: TargetSpec | None,
    counting: Counting,
    *,
    known_distinct: int | None,
) -> ColumnDetail:
    """Count a scanned column (on its own cursor) by bin or by its top values."""
    column = scan.column
    split, target_sql = _split_by(column, spec)
    if counting is Counting.SCAN:
        return ColumnDetail(scan.distinct_estimate, False, [], None, None)
    with source.cursor() as own:
        if counting is Counting.TOP:
            return detail_from_top(scan, top_values(own, column, TOP_VALUES))
        layout = bin_layout(scan)
        if layout is None:
            return ColumnDetail(0, True, [], None, None)
        key = bin_key(scan, layout.low, layout.width, layout.bins)
        frame = value_counts(own, key, target_sql)
    exact = known_distinct is not None
    distinct = known_distinct if known_distinct is not None else scan.distinct_estimate
    return detail_from_bins(scan, frame, layout, split, distinct=distinct, exact=exact)
