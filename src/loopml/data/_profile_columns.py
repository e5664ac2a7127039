"""Turn a column's grouped counts into its distinct count, top values, histogram and target split.

Histogram layout: 50 equal bins from the minimum to the maximum, except for integers spanning at
most 50 values, which get one bin per value. A value's bin is ``floor((x - low) / width)``
clipped to the last bin, computed the same way here (numpy) and in the queries (DuckDB), so
value counts and binned counts agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loopml.data._profile_model import (
    ColumnKind,
    Histogram,
    TargetBreakdown,
    TextStats,
    ValueCount,
)
from loopml.data._profile_source import SourceColumn
from loopml.data._profile_stats import ColumnScan, moments
from loopml.data._profile_target import TargetSpec

TOP_VALUES = 20
MAX_BINS = 50
OTHER = "(other)"
MISSING = "(missing)"


@dataclass(frozen=True)
class BinLayout:
    """Equal-width histogram bins: bin i is ``[low + i*width, low + (i+1)*width)``."""

    low: float
    width: float
    bins: int
    high: float

    @property
    def edges(self) -> list[float]:
        """The ``bins + 1`` edges (the last one exactly ``high``)."""
        return [self.low + self.width * i for i in range(self.bins)] + [self.high]

    def index(self, values: np.ndarray) -> np.ndarray:
        """The bin of each value (as the SQL of :func:`~loopml.data._profile_stats.bin_key`)."""
        raw = np.floor((values - self.low) / self.width)
        return np.clip(raw, 0, self.bins - 1).astype(np.int64)

    def label(self, index: int, *, integer: bool) -> str:
        """How a bin is named in tables and hover text."""
        start = self.low + self.width * index
        if integer and self.width == 1.0:
            return str(int(start + 0.5))
        end = self.high if index == self.bins - 1 else start + self.width
        closing = "]" if index == self.bins - 1 else ")"
        return f"[{start:.4g}, {end:.4g}{closing}"


def bin_layout(scan: ColumnScan) -> BinLayout | None:
    """The histogram bins of a numeric or datetime column (None when it has no finite value)."""
    low, high = scan.min, scan.max
    if low is None or high is None:
        return None
    if low == high:
        return BinLayout(low - 0.5, 1.0, 1, high + 0.5)
    if scan.column.is_integer and high - low + 1 <= MAX_BINS:
        bins = int(high - low) + 1
        return BinLayout(low - 0.5, 1.0, bins, high + 0.5)
    return BinLayout(low, (high - low) / MAX_BINS, MAX_BINS, high)


@dataclass(frozen=True)
class ColumnDetail:
    """What the grouped counts of one column gave."""

    distinct: int
    distinct_is_exact: bool
    top_values: list[ValueCount]
    histogram: Histogram | None
    target: TargetBreakdown | None


def _python(value: Any, scan: ColumnScan) -> str | int | float | bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        as_float = float(value)
        if scan.column.is_integer and as_float.is_integer():
            return int(as_float)
        return as_float
    return str(value)


def _label(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _breakdown(
    frame: pd.DataFrame, labels: list[str], spec: TargetSpec | None
) -> TargetBreakdown | None:
    """Split counts by target; ``frame`` has a group code ``g`` indexing ``labels``."""
    if spec is None or spec.sql is None:
        return None
    groups = frame["g"].to_numpy(dtype=np.int64)
    rows = frame["n"].to_numpy(dtype=np.float64)
    size = len(labels)
    counts = np.bincount(groups, weights=rows, minlength=size).astype(np.int64).tolist()
    if spec.is_classification:
        n_classes = len(spec.classes)
        codes = spec.class_codes(frame["cls"]).to_numpy(dtype=np.float64, na_value=np.nan)
        labelled = ~np.isnan(codes)
        cells = np.bincount(
            groups[labelled] * n_classes + codes[labelled].astype(np.int64),
            weights=rows[labelled],
            minlength=size * n_classes,
        )
        return TargetBreakdown(
            labels=labels,
            counts=counts,
            classes=list(spec.classes),
            class_counts=cells.reshape(size, n_classes).astype(np.int64).tolist(),
        )
    sums = np.bincount(
        groups, weights=frame["tsum"].to_numpy(dtype=np.float64, na_value=0.0), minlength=size
    )
    tcounts = np.bincount(
        groups, weights=frame["tcount"].to_numpy(dtype=np.float64), minlength=size
    )
    means = [float(s) / float(c) if c else None for s, c in zip(sums, tcounts, strict=True)]
    return TargetBreakdown(labels=labels, counts=counts, target_means=means)


def _with_groups(
    frame: pd.DataFrame, codes: np.ndarray, extra_labels: list[str], labels: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Attach group codes, dropping the trailing extra groups (other, missing) that are empty."""
    frame = frame.assign(g=codes)
    present = set(np.unique(codes).tolist())
    kept = list(labels)
    remap = {i: i for i in range(len(labels))}
    for offset, extra in enumerate(extra_labels):
        code = len(labels) + offset
        if code in present:
            remap[code] = len(kept)
            kept.append(extra)
    frame["g"] = frame["g"].map(remap)
    return frame, kept


def scan_from_values(column: SourceColumn, frame: pd.DataFrame, *, num_rows: int) -> ColumnScan:
    """Everything the scan would learn about a column, from its exact value counts (``key``,
    ``n``, ...): moments of numbers (about their mean, which is as exact as it gets), lengths of
    text, the count of ``true``. Columns counted value by value need no scan of their own."""
    keys = frame["key"]
    present_mask = keys.notna().to_numpy()
    rows = frame["n"].to_numpy(dtype=np.float64)
    missing = int(rows[~present_mask].sum())
    scan = ColumnScan(column=column, present=num_rows - missing)
    totals = frame[present_mask].groupby("key", sort=False)["n"].sum()
    scan.distinct_estimate = len(totals)
    weights = totals.to_numpy(dtype=np.float64)
    if column.kind is ColumnKind.NUMERIC:
        values = totals.index.to_numpy(dtype=np.float64)
        finite = np.isfinite(values)
        scan.infinite = int(weights[~finite].sum())
        values, weights = values[finite], weights[finite]
        count = int(weights.sum())
        scan.finite = count
        if count:
            scan.min, scan.max = float(values.min()), float(values.max())
            mean = float(np.dot(weights, values) / count)
            offset = values - mean
            square = offset * offset
            sums = (
                float(np.dot(weights, offset)),
                float(np.dot(weights, square)),
                float(np.dot(weights, square * offset)),
                float(np.dot(weights, square * square)),
            )
            scan.mean, scan.std, scan.skewness, scan.kurtosis = moments(count, sums, mean)
        scan.zeros = int(weights[values == 0].sum())
        scan.negatives = int(weights[values < 0].sum())
    elif column.kind is ColumnKind.CATEGORICAL:
        lengths = totals.index.astype(str).str.len().to_numpy(dtype=np.float64)
        present = weights.sum()
        scan.text = TextStats(
            min_length=int(lengths.min()) if lengths.size else None,
            max_length=int(lengths.max()) if lengths.size else None,
            mean_length=float(np.dot(weights, lengths) / present) if present else None,
            empty=int(weights[lengths == 0].sum()),
        )
    elif column.kind is ColumnKind.BOOLEAN:
        scan.true_count = int(sum(n for key, n in totals.items() if bool(key)))
    return scan


def detail_from_values(
    scan: ColumnScan, frame: pd.DataFrame, spec: TargetSpec | None
) -> ColumnDetail:
    """Exact value counts (``key``, ``n``, ...) -> distinct, top values, histogram, target split."""
    missing = frame["key"].isna().to_numpy()
    totals = frame[~missing].groupby("key", sort=True)["n"].sum()
    ordered = totals.sort_values(ascending=False, kind="stable")
    top = [ValueCount(_python(v, scan), int(n)) for v, n in ordered.head(TOP_VALUES).items()]
    if scan.column.is_float and (ordered.empty or ordered.iloc[0] <= 1):
        top = []  # measurements that never repeat: their "most frequent values" mean nothing
    histogram: Histogram | None = None
    numeric = scan.column.kind is ColumnKind.NUMERIC
    layout = bin_layout(scan) if numeric else None
    if layout is not None:
        values = totals.index.to_numpy(dtype=np.float64)
        finite = np.isfinite(values)
        per_bin = np.bincount(
            layout.index(values[finite]), weights=totals.to_numpy()[finite], minlength=layout.bins
        )
        histogram = Histogram(edges=layout.edges, counts=[int(c) for c in per_bin])
    target: TargetBreakdown | None = None
    if spec is not None and spec.sql is not None:
        if layout is not None:
            keys = frame["key"].to_numpy(dtype=np.float64, na_value=np.nan)
            # Infinite values fall outside every bin: they join the missing group, as in SQL.
            finite = np.isfinite(keys)
            codes = np.where(finite, layout.index(np.where(finite, keys, 0.0)), layout.bins)
            labels = [layout.label(i, integer=scan.column.is_integer) for i in range(layout.bins)]
            grouped, labels = _with_groups(frame, codes, [MISSING], labels)
        else:
            head = list(ordered.head(TOP_VALUES).index)
            position = {value: i for i, value in enumerate(head)}
            codes = frame["key"].map(position).fillna(len(head)).to_numpy(dtype=np.int64, copy=True)
            codes[missing] = len(head) + 1
            grouped, labels = _with_groups(
                frame, codes, [OTHER, MISSING], [_label(v) for v in head]
            )
        target = _breakdown(grouped, labels, spec)
    return ColumnDetail(
        distinct=len(totals),
        distinct_is_exact=True,
        top_values=top,
        histogram=histogram,
        target=target,
    )


def detail_from_bins(
    scan: ColumnScan,
    frame: pd.DataFrame,
    layout: BinLayout,
    spec: TargetSpec | None,
    *,
    distinct: int,
    exact: bool,
) -> ColumnDetail:
    """Binned counts (``key`` = bin, NULL for no finite value) -> histogram and target split."""
    missing = frame["key"].isna().to_numpy()
    bins = frame["key"].to_numpy(dtype=np.float64, na_value=np.nan)
    per_bin = np.bincount(
        bins[~missing].astype(np.int64),
        weights=frame["n"].to_numpy()[~missing],
        minlength=layout.bins,
    )
    histogram = Histogram(edges=layout.edges, counts=[int(c) for c in per_bin])
    target: TargetBreakdown | None = None
    if spec is not None and spec.sql is not None:
        codes = np.where(missing, layout.bins, np.nan_to_num(bins)).astype(np.int64)
        integer = scan.column.is_integer
        labels = [layout.label(i, integer=integer) for i in range(layout.bins)]
        grouped, labels = _with_groups(frame, codes, [MISSING], labels)
        target = _breakdown(grouped, labels, spec)
    return ColumnDetail(
        distinct=min(distinct, scan.present),
        distinct_is_exact=exact,
        top_values=[],
        histogram=histogram,
        target=target,
    )


def detail_from_top(scan: ColumnScan, frame: pd.DataFrame) -> ColumnDetail:
    """Only the most frequent values (a column with too many distinct values to count all)."""
    top = [
        ValueCount(_python(v, scan), int(n)) for v, n in zip(frame["key"], frame["n"], strict=True)
    ]
    return ColumnDetail(
        distinct=scan.distinct_estimate,
        distinct_is_exact=False,
        top_values=top,
        histogram=None,
        target=None,
    )


def quantiles_of(values: np.ndarray, points: tuple[float, ...]) -> dict[str, float | None]:
    """``{"5%": ..., "50%": ...}`` of the finite values (linear interpolation)."""
    finite = values[np.isfinite(values)]
    names = [f"{100 * p:g}%" for p in points]
    if finite.size == 0:
        return dict.fromkeys(names)
    result = np.quantile(finite, points)
    return {
        name: float(v) if math.isfinite(v) else None for name, v in zip(names, result, strict=True)
    }
