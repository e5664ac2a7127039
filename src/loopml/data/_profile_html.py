"""``write_profile_html``: the profile as one self-contained HTML file that works offline.

plotly.js is embedded once (from the plotly package, no CDN); each figure is a small JSON
specification drawn when it scrolls into view, so a report on hundreds of columns opens quickly.
The file is written atomically: a failure leaves no partial report behind.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

import loopml
from loopml.core import ConfigurationError, InvalidValueError, write_text_atomically
from loopml.data._profile_charts import (
    association_figure,
    column_figure,
    correlation_figure,
    missing_figure,
    target_distribution_figure,
    target_figure,
)
from loopml.data._profile_model import ColumnKind, ColumnProfile, Profile, TargetTask, WarningKind
from loopml.data._profile_warnings import WarningThresholds

_TEMPLATE = "_profile_report.html.j2"


@cache
def _plotly_js() -> str:
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        bundle = Path(location) / "package_data" / "plotly.min.js"
        if bundle.is_file():
            return bundle.read_text(encoding="utf-8")
    raise ConfigurationError(
        "plotly.js was not found in the plotly package (package_data/plotly.min.js): "
        "reinstall plotly (pip install --force-reinstall plotly)"
    )


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return "–"
        if value == 0:
            return "0"
        if abs(value) >= 1e15 or abs(value) < 1e-4:
            return f"{value:.4g}"
        # About five significant digits, never more than four decimals.
        decimals = min(4, max(0, 4 - math.floor(math.log10(abs(value)))))
        text = f"{value:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _distinct(column: ColumnProfile) -> str:
    return ("" if column.distinct_is_exact else "≈ ") + _number(column.distinct)


def _stats_rows(column: ColumnProfile) -> list[tuple[str, str]]:
    rows = [
        ("rows", _number(column.count)),
        ("missing", f"{_number(column.missing)} ({_share(column.missing, column.count)})"),
        ("distinct", _distinct(column)),
    ]
    numeric = column.numeric
    if numeric is not None:
        quantiles = numeric.quantiles
        rows += [
            ("mean", _number(numeric.mean)),
            ("std", _number(numeric.std)),
            ("min", _number(numeric.min)),
            *((name if name != "50%" else "median", _number(v)) for name, v in quantiles.items()),
            ("max", _number(numeric.max)),
            ("skewness", _number(numeric.skewness)),
            ("kurtosis", _number(numeric.kurtosis)),
            ("zeros", _number(numeric.zeros)),
            ("negatives", _number(numeric.negatives)),
        ]
        if numeric.infinite:
            rows.append(("infinite", _number(numeric.infinite)))
    if column.text is not None:
        text = column.text
        rows += [
            (
                "length min / mean / max",
                " / ".join(
                    _number(v) for v in (text.min_length, text.mean_length, text.max_length)
                ),
            ),
            ("empty strings", _number(text.empty)),
        ]
    if column.kind is ColumnKind.DATETIME:
        rows += [("first", column.datetime_min or "–"), ("last", column.datetime_max or "–")]
    if column.top_values and column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        top = column.top_values[0]
        rows.append(("most frequent", f"{top.value} ({_share(top.count, column.present)})"))
    if column.association is not None and column.association.score is not None:
        method = column.association.method.replace("_", " ")
        rows.append((f"predicts target ({method})", f"{column.association.score:.3f}"))
    return rows


def _type_label(sql_type: str) -> str:
    """A column's type for people: an ENUM's list of values is left to the JSON."""
    return "ENUM" if sql_type.startswith("ENUM") else sql_type


def _caption(column: ColumnProfile) -> str:
    """What the values chart leaves out."""
    if column.histogram is not None or not column.top_values:
        return ""
    shown = sum(item.count for item in column.top_values)
    other = column.present - shown
    if other <= 0:
        return ""
    count = len(column.top_values)
    return (
        f"The {count} most frequent of {_distinct(column)} values; "
        f"the others hold {_number(other)} rows ({_share(other, column.count)})."
    )


def _summary(column: ColumnProfile) -> str:
    if column.numeric is not None and column.numeric.mean is not None:
        return f"mean {_number(column.numeric.mean)}, std {_number(column.numeric.std)}"
    if column.top_values:
        top = column.top_values[0]
        return f"most frequent {top.value} ({_share(top.count, column.present)})"
    if column.datetime_min:
        return f"{column.datetime_min} … {column.datetime_max}"
    return ""


class _Figures:
    """Collects figure specifications and hands out the ids the template refers to."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, figure: dict[str, Any] | None) -> str | None:
        if figure is None:
            return None
        figure_id = f"figure-{len(self.items)}"
        text = json.dumps(figure, separators=(",", ":"), allow_nan=False, default=str)
        # Inside <script>, "</script>" or "<!--" in a label would end or hide the element.
        text = (
            text.replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
        )
        self.items.append((figure_id, text))
        return figure_id


def _sample_note(profile: Profile) -> str:
    sample = profile.sample
    if sample.is_full:
        return "Every statistic is computed on all rows."
    used = ", ".join(sample.used_for)
    return (
        f"Computed on all rows except {used}: those come from a uniform random sample of "
        f"{sample.rows:,} rows (seed {sample.seed})."
    )


def _context(
    profile: Profile, title: str, thresholds: WarningThresholds, *, show_source: bool
) -> dict[str, Any]:
    figures = _Figures()
    anchors = {column.name: f"column-{index}" for index, column in enumerate(profile.columns)}
    flags: dict[str, list[str]] = {}
    warnings = []
    for warning in profile.warnings:
        if warning.column is not None:
            flags.setdefault(warning.column, []).append(warning.message)
        warnings.append(
            {
                "kind": warning.kind.value,
                "kind_label": warning.kind.value.replace("_", " "),
                "message": warning.message,
                "anchor": anchors.get(warning.column or "")
                or ("duplicates" if warning.kind is WarningKind.DUPLICATES else None),
            }
        )
    target = profile.target
    columns = []
    for column in profile.columns:
        is_target = target is not None and column.name == target.name
        columns.append(
            {
                "name": column.name,
                "anchor": anchors[column.name],
                "kind": column.kind.value + (" (target)" if is_target else ""),
                "type": _type_label(column.type),
                "missing": _share(column.missing, column.count),
                "distinct": _distinct(column),
                "summary": _summary(column),
                "rows": _stats_rows(column),
                "flags": flags.get(column.name, []),
                "figure": figures.add(column_figure(column)),
                "caption": _caption(column),
                "target_figure": figures.add(
                    target_figure(column.target, target, column)
                    if column.target is not None and target is not None
                    else None
                ),
            }
        )
    target_view = None
    if target is not None:
        target_column = profile.column(target.name)
        rows = [("task", target.task.value)]
        if target.task is not TargetTask.REGRESSION:
            labelled = sum(target.class_counts)
            rows += [
                (f"class {cls}", f"{count:,} ({_share(count, labelled)})")
                for cls, count in zip(target.classes[:20], target.class_counts[:20], strict=False)
            ]
        elif target_column.numeric is not None:
            rows += [("mean", _number(target_column.numeric.mean))]
        method = next(
            (c.association.method for c in profile.columns if c.association is not None), "auc"
        )
        target_view = {
            "name": target.name,
            "task": target.task.value,
            "note": target.note,
            "rows": rows,
            "method": method.replace("_", " "),
            "threshold": f"{thresholds.leakage_score:g}",
            "figure": figures.add(target_distribution_figure(target, target_column)),
            "association_figure": figures.add(
                association_figure(profile.columns, threshold=thresholds.leakage_score)
            ),
        }
    kinds = Counter(column.kind.value for column in profile.columns)
    total_cells = profile.num_rows * profile.num_columns
    duplicate_columns = [column.name for column in profile.columns]
    return {
        "title": title,
        "show_source": show_source,
        "version": loopml.__version__,
        "profile": profile,
        "source_label": profile.source.get("uri")
        or profile.source.get("path")
        or f"a {profile.source.get('kind', 'table')}",
        "created": datetime.fromtimestamp(profile.created_at / 1000).strftime("%Y-%m-%d %H:%M"),
        "warnings": warnings,
        "kinds": sorted(kinds.items()),
        "missing_share": _share(profile.missing_cells, total_cells),
        "sample_note": _sample_note(profile),
        "columns": columns,
        "missing_figure": figures.add(missing_figure(profile.columns)),
        "target": target_view,
        "correlation_figure": figures.add(
            correlation_figure(profile.correlations) if profile.correlations is not None else None
        ),
        "correlation_rows": profile.correlations.rows if profile.correlations else 0,
        "duplicate_columns": duplicate_columns,
        "duplicate_examples": [
            (f"{example.count:,}", [_number(example.row.get(name)) for name in duplicate_columns])
            for example in profile.duplicates.examples
        ],
        "figures": figures.items,
        "plotly_js": _plotly_js(),
    }


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["count_fmt"] = _number
    return environment


def render_profile_html(
    profile: Profile, *, title: str | None = None, thresholds: WarningThresholds | None = None
) -> str:
    """The report as HTML text (what :func:`write_profile_html` writes)."""
    if not isinstance(profile, Profile):
        raise InvalidValueError(f"expected a Profile, not {type(profile).__name__}")
    label = profile.source.get("uri") or profile.source.get("path") or "data"
    heading = title or f"Profile of {label}"
    context = _context(
        profile, heading, thresholds or WarningThresholds(), show_source=title is not None
    )
    return _environment().get_template(_TEMPLATE).render(**context)


def write_profile_html(
    profile: Profile,
    path: str | Path,
    *,
    title: str | None = None,
    thresholds: WarningThresholds | None = None,
) -> Path:
    """Write ``profile`` as a self-contained HTML report to ``path`` and return the path.

    Args:
        profile: from :func:`~loopml.data.profile_dataset` (or ``Profile.from_dict``).
        path: the file to write; its folder is created when missing.
        title: the report's heading (default: "Profile of <dataset>").
        thresholds: marks the leakage threshold on the score chart (default: the defaults).

    Raises:
        InvalidValueError: ``profile`` is not a Profile, or ``path`` is a folder.
    """
    target = Path(path)
    if target.is_dir():
        raise InvalidValueError(f"{target} is a folder: give the path of the HTML file to write")
    html = render_profile_html(profile, title=title, thresholds=thresholds)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(target, html)
