"""The profile's sample, and what is computed on it: quantiles, correlations, target association.

These statistics need every value of a column at once (sorting, pairing rows), so on a large table
they would cost memory in proportion to the table. They are computed on a uniform random sample
instead, of about ``sample_rows`` rows and at most :data:`MAX_SAMPLE_CELLS` cells, drawn in one
scan (rows are kept when a hash of their row number, or content, and the seed falls in a range:
a Bernoulli sample that is the same for the same data and seed). When the table is no
larger than that, the sample is the whole table and these statistics are exact. The report says
which numbers come from the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from loopml.data._profile_model import ColumnKind, Correlations, TargetAssociation, TargetTask
from loopml.data._profile_source import SourceColumn
from loopml.data._profile_stats import SAMPLE_HASH
from loopml.data._profile_target import TargetSpec, association

MAX_SAMPLE_CELLS = 20_000_000
MAX_CORRELATION_COLUMNS = 60
ASSOCIATION_ROWS = 20_000
"""Rows of the sample the single-feature scores use: enough to tell 0.98 from 0.95 reliably."""


@dataclass(frozen=True)
class SamplePlan:
    """How large the sample is meant to be."""

    fraction: float
    is_full: bool


def plan_sample(*, num_rows: int, num_columns: int, sample_rows: int) -> SamplePlan:
    """The share of rows to keep: all of them when the table fits in the sample."""
    limit = max(1, min(sample_rows, MAX_SAMPLE_CELLS // max(num_columns, 1)))
    if num_rows <= limit:
        return SamplePlan(fraction=1.0, is_full=True)
    return SamplePlan(fraction=limit / num_rows, is_full=False)


def sample_frame(table: pa.Table, columns: list[SourceColumn]) -> pd.DataFrame:
    """The sample as a DataFrame named by column: numbers as float64 (NaN when missing or not
    finite), text as strings, booleans as objects. Its index is each row's hash: ordering by it
    is random, yet the same whatever order the scan delivered the rows in."""
    data: dict[str, object] = {}
    for name in table.column_names[1:]:
        column = columns[int(name[1:])]
        values = table.column(name)
        if column.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
            data[column.name] = values.to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            data[column.name] = values.to_pandas()
    frame = pd.DataFrame(data)
    frame.index = pd.Index(table.column(SAMPLE_HASH).to_numpy(zero_copy_only=False))
    return frame


@dataclass(frozen=True)
class SampleCounts:
    """Distinct values of a numeric column in the sample, and how many occur only once."""

    distinct: int
    singletons: int
    rows: int


def sample_counts(values: pd.Series) -> SampleCounts:
    """Count a column's distinct values in the sample (missing ones left out)."""
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64)
        present = numbers[~np.isnan(numbers)]
        if present.size == 0:
            return SampleCounts(0, 0, 0)
        _, counts = np.unique(present, return_counts=True)
    else:
        counts = values.value_counts(dropna=True).to_numpy()
    return SampleCounts(int(counts.size), int((counts == 1).sum()), int(counts.sum()))


def sample_means(frame: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """Each numeric column's mean in the sample: the centre of the scan's power sums."""
    means = {}
    for name in names:
        values = frame[name].to_numpy(dtype=np.float64)
        present = values[~np.isnan(values)]
        if present.size:
            means[name] = float(present.mean())
    return means


def _varies(values: np.ndarray) -> bool:
    present = values[~np.isnan(values)]
    return present.size > 1 and bool(present.min() < present.max())


def correlations(
    frame: pd.DataFrame, columns: list[str], *, target: TargetSpec | None
) -> Correlations | None:
    """Pearson correlations of ``columns`` (and a binary or numeric target), pairwise complete."""
    chosen = [c for c in columns if c in frame.columns][:MAX_CORRELATION_COLUMNS]
    numbers = {name: frame[name].to_numpy(dtype=np.float64, na_value=np.nan) for name in chosen}
    if target is not None and target.sql is not None and target.name in frame.columns:
        if target.task is TargetTask.REGRESSION:
            numbers[target.name] = frame[target.name].to_numpy(dtype=np.float64, na_value=np.nan)
        elif target.task is TargetTask.BINARY:
            codes = target.class_codes(frame[target.name])
            numbers[target.name] = codes.to_numpy(dtype=np.float64, na_value=np.nan)
    varying = [name for name, values in numbers.items() if _varies(values)]
    if len(varying) < 2:
        return None
    matrix = pd.DataFrame({name: numbers[name] for name in varying}).corr(method="pearson")
    values = [
        [None if np.isnan(v) else float(v) for v in row]
        for row in matrix.to_numpy(dtype=np.float64)
    ]
    return Correlations(columns=varying, matrix=values, rows=len(frame))


def target_values(frame: pd.DataFrame, spec: TargetSpec) -> tuple[np.ndarray, np.ndarray]:
    """The sample's target as class codes (index in ``spec.classes``) or numbers, and the mask of
    rows that have one."""
    raw = frame[spec.name]
    if spec.is_classification:
        codes = spec.class_codes(raw).to_numpy(dtype=np.float64, na_value=np.nan)
        mask = ~np.isnan(codes)
        return codes[mask].astype(np.int64), mask
    values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    mask = ~np.isnan(values)
    return values[mask], mask


def associations(
    frame: pd.DataFrame, columns: list[SourceColumn], spec: TargetSpec, *, seed: int
) -> dict[str, TargetAssociation]:
    """Each feature's single-feature score against the target (see ``_profile_target``), on at
    most :data:`ASSOCIATION_ROWS` rows of the sample (those of lowest row hash: a random choice
    that does not depend on the order of the rows)."""
    if spec.sql is None or spec.name not in frame.columns:
        return {}
    hashes = frame.index.to_numpy()
    chosen = np.argsort(hashes, kind="stable")[:ASSOCIATION_ROWS]
    frame = frame.iloc[chosen]
    y, mask = target_values(frame, spec)
    result = {}
    for column in columns:
        if column.name == spec.name or column.name not in frame.columns:
            continue
        numeric = column.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME)
        feature = frame[column.name][mask].reset_index(drop=True)
        result[column.name] = association(feature, y, spec, numeric=numeric, seed=seed)
    return result
