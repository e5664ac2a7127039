"""``profile_dataset``: per-column statistics, duplicates, correlations, the target, warnings.

The work is a few DuckDB scans (see ``_profile_stats``), arranged so both cores stay busy: the
sample and the count of distinct rows first, side by side; then each column is counted, value by
value when the sample shows few values (everything about it follows from those counts, see
``_profile_plan``), or scanned for its moments and then counted per histogram bin. Statistics
that need all values at once (quantiles, correlations, single-feature scores) use the sample
(see ``_profile_sample``) and are computed while DuckDB counts. Memory stays bounded by DuckDB's
limit plus the sample, so a table larger than memory can be profiled from its Parquet file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa

from loopml.core import InvalidValueError, NotFoundError, now_ms
from loopml.data._datasets import DatasetVersion
from loopml.data._profile_columns import ColumnDetail, quantiles_of
from loopml.data._profile_model import (
    QUANTILES,
    ColumnKind,
    ColumnProfile,
    Correlations,
    Duplicates,
    NumericStats,
    Profile,
    SampleInfo,
    TargetAssociation,
    TargetSummary,
)
from loopml.data._profile_plan import Counting, choose_counting, count_scanned, count_values
from loopml.data._profile_sample import (
    associations,
    correlations,
    plan_sample,
    sample_counts,
    sample_frame,
    sample_means,
)
from loopml.data._profile_source import Source, SourceColumn, open_source
from loopml.data._profile_stats import (
    ColumnScan,
    count_distinct_rows,
    draw_sample,
    duplicate_examples,
    scan_columns,
)
from loopml.data._profile_target import TargetSpec, infer_target
from loopml.data._profile_warnings import WarningThresholds, find_warnings
from loopml.store import Stores

DEFAULT_SAMPLE_ROWS = 50_000
DEFAULT_MEMORY_LIMIT_MB = 512
QUERY_THREADS = 2
"""Per-column queries run this many at a time (DuckDB scans one Parquet row group per thread,
so a file of a single row group would otherwise leave cores idle)."""

T = TypeVar("T")
ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(step_description, steps_done, steps_total)`` as the profile advances."""


def _check_arguments(
    *, target: object, sample_rows: object, memory_limit_mb: object, seed: object
) -> None:
    if target is not None and not isinstance(target, str):
        raise InvalidValueError(f"target must be a column name, not {type(target).__name__}")
    for name, value, least in (
        ("sample_rows", sample_rows, 1),
        ("memory_limit_mb", memory_limit_mb, 64),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidValueError(f"{name} must be an integer >= {least}, got {value!r}")


def _on_cursor(source: Source, query: Callable[[Source], T]) -> T:
    with source.cursor() as own:
        return query(own)


def _scanned_detail(
    source: Source,
    scan: ColumnScan,
    spec: TargetSpec | None,
    counting: Counting,
    *,
    known_distinct: int | None,
) -> tuple[ColumnScan, ColumnDetail]:
    return scan, count_scanned(source, scan, spec, counting, known_distinct=known_distinct)


def _column_profile(
    scan: ColumnScan,
    detail: ColumnDetail,
    *,
    num_rows: int,
    sample: pd.DataFrame,
    association: TargetAssociation | None,
) -> ColumnProfile:
    column = scan.column
    numeric: NumericStats | None = None
    if column.kind is ColumnKind.NUMERIC:
        values = (
            sample[column.name].to_numpy(dtype="float64", na_value=float("nan"))
            if column.name in sample.columns
            else None
        )
        numeric = NumericStats(
            min=scan.min,
            max=scan.max,
            mean=scan.mean,
            std=scan.std,
            skewness=scan.skewness,
            kurtosis=scan.kurtosis,
            zeros=scan.zeros,
            negatives=scan.negatives,
            infinite=scan.infinite,
            quantiles=quantiles_of(values, QUANTILES) if values is not None else {},
        )
    return ColumnProfile(
        name=column.name,
        kind=column.kind,
        type=column.sql_type,
        count=num_rows,
        missing=num_rows - scan.present,
        distinct=detail.distinct,
        distinct_is_exact=detail.distinct_is_exact,
        numeric=numeric,
        text=scan.text,
        datetime_min=scan.datetime_min,
        datetime_max=scan.datetime_max,
        top_values=detail.top_values,
        histogram=detail.histogram,
        target=detail.target,
        association=association,
    )


def profile_dataset(
    data: DatasetVersion | pd.DataFrame | pa.Table | str | Path,
    *,
    target: str | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
    thresholds: WarningThresholds | None = None,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
    progress: ProgressCallback | None = None,
    stores: Stores | None = None,
) -> Profile:
    """Profile a dataset version, a DataFrame, an Arrow table, or a Parquet or CSV file.

    Exact on every row: counts, missing values, min/max, mean, std, skewness, kurtosis, zeros,
    histograms, value counts, the feature-by-target breakdowns and duplicate rows (by a 64-bit
    row hash). Distinct counts are exact for text and booleans with up to 100,000 values and for
    numbers counted value by value (those with at most 10,000 values, nearly all repeated in the
    sample); otherwise they are HyperLogLog estimates, flagged ``distinct_is_exact=False``. From
    a uniform sample of about ``sample_rows`` rows (the whole table when it is no larger):
    quantiles, correlations and the single-feature scores that flag leakage suspects. A dataset
    version or file is scanned by DuckDB within ``memory_limit_mb``, never loaded whole.

    Args:
        data: what to profile. A ``DatasetVersion`` is read from the artifact store (verified
            against its sha256).
        target: the column a model would predict; adds each feature against it, and leakage
            suspects.
        sample_rows: the sample's size (capped so the sample holds at most 20 million cells).
        seed: seeds the sample and the halves of the out-of-sample scores.
        thresholds: when findings become warnings (defaults: :class:`WarningThresholds`).
        memory_limit_mb: DuckDB's memory limit; it spills to a temporary folder beyond it.
        progress: called before each step, e.g. to drive a progress bar.
        stores: where a dataset version lives (default: the SDK's stores).

    Raises:
        InvalidValueError: bad arguments, unsupported data, a file DuckDB cannot read, or a
            target that cannot be one (a date, a nested value).
        NotFoundError: the file, or the target column, does not exist.
    """
    _check_arguments(
        target=target, sample_rows=sample_rows, memory_limit_mb=memory_limit_mb, seed=seed
    )
    if thresholds is not None and not isinstance(thresholds, WarningThresholds):
        raise InvalidValueError("thresholds must be a WarningThresholds")
    started = time.perf_counter()
    with open_source(data, memory_limit_mb=memory_limit_mb, stores=stores) as source:
        names = [column.name for column in source.columns]
        if target is not None and target not in names:
            raise NotFoundError("column", target, available=names)
        total = len(names) + 3
        done = 0

        def step(description: str) -> None:
            nonlocal done
            if progress is not None:
                progress(description, done, total)
            done += 1

        findings = _investigate(
            source, target=target, sample_rows=sample_rows, seed=seed, step=step
        )
    if progress is not None:
        progress("done", total, total)
    return _assemble(
        findings,
        description=source.description,
        thresholds=thresholds or WarningThresholds(),
        elapsed_s=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Findings:
    """Everything the queries and the sample gave, before it is assembled into a Profile."""

    columns: list[SourceColumn]
    num_rows: int
    scans: dict[str, ColumnScan]
    details: dict[str, ColumnDetail]
    frame: pd.DataFrame
    is_full: bool
    seed: int
    spec: TargetSpec | None
    matrix: Correlations | None
    scores: dict[str, TargetAssociation]
    duplicates: Duplicates


def _investigate(
    source: Source,
    *,
    target: str | None,
    sample_rows: int,
    seed: int,
    step: Callable[[str], None],
) -> _Findings:
    step("sampling rows")
    ((table_rows,),) = source.query("SELECT count(*) FROM src")
    num_rows = int(table_rows)
    columns = source.columns
    plan = plan_sample(num_rows=num_rows, num_columns=len(columns), sample_rows=sample_rows)
    scans: dict[str, ColumnScan] = {}
    details: dict[str, ColumnDetail] = {}
    pool = ThreadPoolExecutor(max_workers=QUERY_THREADS)
    try:
        # Duplicates need a scan of whole rows: it runs beside everything else.
        distinct_rows_future = pool.submit(_on_cursor, source, count_distinct_rows)
        frame = sample_frame(draw_sample(source, fraction=plan.fraction, seed=seed), columns)
        seen = {
            c.name: sample_counts(frame[c.name])
            for c in columns
            if c.kind in (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL)
        }
        counting = {
            c.name: choose_counting(c, seen.get(c.name), full=plan.is_full) for c in columns
        }
        spec = None
        if target is not None:
            target_column = next(c for c in columns if c.name == target)
            distinct_in_sample = seen[target].distinct if target in seen else 0
            spec = infer_target(source, target_column, sample_distinct=distinct_in_sample)
        # Columns counted value by value need nothing else: their counts start at once.
        futures: dict[Future[tuple[ColumnScan, ColumnDetail]], str] = {
            pool.submit(count_values, source, c, spec, num_rows=num_rows): c.name
            for c in columns
            if counting[c.name] is Counting.VALUES
        }
        step("scanning columns")
        scanned = [c for c in columns if counting[c.name] is not Counting.VALUES]
        # A sample of every row knows the distinct values exactly.
        known = {name: c.distinct for name, c in seen.items() if plan.is_full}
        estimate = {c.name for c in scanned if c.kind is ColumnKind.NUMERIC and c.name not in known}
        centers = sample_means(frame, [c.name for c in scanned if c.kind is ColumnKind.NUMERIC])
        scans.update(scan_columns(source, scanned, centers, estimate_distinct=estimate))
        for c in scanned:
            future = pool.submit(
                _scanned_detail,
                source,
                scans[c.name],
                spec,
                counting[c.name],
                known_distinct=known.get(c.name),
            )
            futures[future] = c.name
        # The sample's statistics are numpy work: done here while DuckDB counts.
        step("sample statistics")
        features = [c.name for c in columns if c.kind is ColumnKind.NUMERIC and c.name != target]
        matrix = correlations(frame, features, target=spec)
        scores = associations(frame, columns, spec, seed=seed) if spec else {}
        for future in as_completed(futures):
            step(f"column {futures[future]}")
            scans[futures[future]], details[futures[future]] = future.result()
        distinct_rows = distinct_rows_future.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # nothing queued runs after a failure
        raise
    pool.shutdown(wait=True)
    duplicate_rows = num_rows - distinct_rows
    examples = duplicate_examples(source) if duplicate_rows else []
    return _Findings(
        columns=columns,
        num_rows=num_rows,
        scans=scans,
        details=details,
        frame=frame,
        is_full=plan.is_full,
        seed=seed,
        spec=spec,
        matrix=matrix,
        scores=scores,
        duplicates=Duplicates(duplicate_rows, distinct_rows, examples),
    )


def _assemble(
    findings: _Findings,
    *,
    description: dict[str, Any],
    thresholds: WarningThresholds,
    elapsed_s: float,
) -> Profile:
    columns = [
        _column_profile(
            findings.scans[c.name],
            findings.details[c.name],
            num_rows=findings.num_rows,
            sample=findings.frame,
            association=findings.scores.get(c.name),
        )
        for c in findings.columns
    ]
    spec = findings.spec
    summary = None
    if spec is not None:
        summary = TargetSummary(
            name=spec.name,
            task=spec.task,
            classes=spec.classes,
            class_counts=spec.class_counts,
            positive_class=spec.positive_class,
            note=spec.note,
        )
    used_for = ["quantiles"]
    if findings.matrix is not None:
        used_for.append("correlations")
    if findings.scores:
        used_for.append("target association (leakage suspects)")
    sample = SampleInfo(
        rows=len(findings.frame), seed=findings.seed, is_full=findings.is_full, used_for=used_for
    )
    return Profile(
        source=description,
        num_rows=findings.num_rows,
        columns=columns,
        duplicates=findings.duplicates,
        sample=sample,
        correlations=findings.matrix,
        target=summary,
        warnings=find_warnings(
            columns=columns,
            num_rows=findings.num_rows,
            duplicates=findings.duplicates,
            correlations=findings.matrix,
            target=summary,
            thresholds=thresholds,
        ),
        created_at=now_ms(),
        elapsed_s=elapsed_s,
    )
