"""The report's pictures, as plotly figure specifications (``{"data": [...], "layout": {...}}``).

They are plain JSON drawn by the plotly.js embedded in the report, so building them needs neither
plotly's Python package nor a browser, and each holds only aggregates (bin counts, top values),
never rows: the report stays small whatever the size of the table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loopml.data._profile_model import (
    ColumnKind,
    ColumnProfile,
    Correlations,
    Histogram,
    TargetBreakdown,
    TargetSummary,
    TargetTask,
)

Figure = dict[str, Any]

_BLUE = "#3b6ea8"
_ORANGE = "#d9822b"
_HEIGHT = 260


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": _HEIGHT,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "bargap": 0.05,
        "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"size": 11},
    }
    layout.update(extra)
    return layout


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _histogram_figure(histogram: Histogram, *, datetime_axis: bool) -> Figure:
    edges = histogram.edges
    centers = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    hover = [
        f"{_iso(a) if datetime_axis else f'{a:.4g}'} – {_iso(b) if datetime_axis else f'{b:.4g}'}"
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    trace: dict[str, Any] = {
        "type": "bar",
        "x": [_iso(c) for c in centers] if datetime_axis else centers,
        "y": histogram.counts,
        "width": [w * 1000 for w in widths] if datetime_axis else widths,
        "marker": {"color": _BLUE},
        "hovertext": hover,
        "hovertemplate": "%{hovertext}<br>%{y:,} rows<extra></extra>",
    }
    axis = {"type": "date"} if datetime_axis else {}
    return {"data": [trace], "layout": _layout(xaxis=axis, yaxis={"title": {"text": "rows"}})}


def _values_figure(column: ColumnProfile) -> Figure:
    # Only the most frequent values: an "other" bar would dwarf them (the caption gives its size).
    labels = [str(item.value) for item in column.top_values]
    counts = [item.count for item in column.top_values]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": counts[::-1],
        "y": labels[::-1],
        "marker": {"color": _BLUE},
        "hovertemplate": "%{y}<br>%{x:,} rows<extra></extra>",
    }
    height = max(_HEIGHT, 22 * len(labels) + 50)
    return {
        "data": [trace],
        "layout": _layout(height=height, yaxis={"type": "category", "automargin": True}),
    }


def _presence_figure(column: ColumnProfile) -> Figure:
    trace = {
        "type": "bar",
        "x": ["present", "missing"],
        "y": [column.present, column.missing],
        "marker": {"color": [_BLUE, _ORANGE]},
    }
    return {"data": [trace], "layout": _layout()}


def column_figure(column: ColumnProfile) -> Figure:
    """The column's distribution: a histogram for numbers and dates, the most frequent values for
    text and booleans, present against missing when there is nothing else to draw."""
    if column.histogram is not None and column.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
        return _histogram_figure(column.histogram, datetime_axis=column.kind is ColumnKind.DATETIME)
    if column.top_values:
        return _values_figure(column)
    return _presence_figure(column)


def _target_axis(
    breakdown: TargetBreakdown, histogram: Histogram | None, *, datetime_axis: bool
) -> tuple[list[int], dict[str, Any], dict[str, Any]]:
    """Which groups to draw, and the x values and axis: bin centres on a numeric (or date) axis
    for a binned feature (rows without a value are left out of the picture), labels otherwise."""
    shown = [i for i, count in enumerate(breakdown.counts) if count > 0]
    if histogram is not None and len(breakdown.labels) in (
        len(histogram.counts),
        len(histogram.counts) + 1,
    ):
        edges = histogram.edges
        shown = [i for i in shown if i < len(histogram.counts)]
        centers = [(edges[i] + edges[i + 1]) / 2 for i in shown]
        widths = [edges[i + 1] - edges[i] for i in shown]
        if datetime_axis:
            x = {"x": [_iso(c) for c in centers], "width": [w * 1000 for w in widths]}
            return shown, x, {"type": "date"}
        return shown, {"x": centers, "width": widths}, {}
    x = {"x": [breakdown.labels[i] for i in shown]}
    return shown, x, {"type": "category", "automargin": True}


def target_figure(
    breakdown: TargetBreakdown, summary: TargetSummary, column: ColumnProfile | None = None
) -> Figure | None:
    """The feature against the target: the positive rate (binary), the class shares (multiclass)
    or the mean target (regression) per bin or category, on every row."""
    histogram = column.histogram if column is not None else None
    datetime_axis = column is not None and column.kind is ColumnKind.DATETIME
    shown, x, axis = _target_axis(breakdown, histogram, datetime_axis=datetime_axis)
    if not shown:
        return None
    labels = [breakdown.labels[i] for i in shown]
    rows = [breakdown.counts[i] for i in shown]
    if summary.task is TargetTask.REGRESSION:
        trace = {
            "type": "bar",
            **x,
            "y": [breakdown.target_means[i] for i in shown],
            "customdata": rows,
            "hovertext": labels,
            "marker": {"color": _ORANGE},
            "hovertemplate": "%{hovertext}<br>mean target %{y:.4g}<br>"
            "%{customdata:,} rows<extra></extra>",
        }
        title = f"mean {summary.name}"
        return {"data": [trace], "layout": _layout(xaxis=axis, yaxis={"title": {"text": title}})}
    totals = [sum(breakdown.class_counts[i]) for i in shown]
    if summary.task is TargetTask.BINARY and summary.positive_class is not None:
        positive = breakdown.classes.index(summary.positive_class)
        rates = [
            breakdown.class_counts[i][positive] / total if total else None
            for i, total in zip(shown, totals, strict=True)
        ]
        trace = {
            "type": "bar",
            **x,
            "y": rates,
            "customdata": totals,
            "hovertext": labels,
            "marker": {"color": _ORANGE},
            "hovertemplate": "%{hovertext}<br>%{y:.1%} "
            + f"{summary.name} = {summary.positive_class}"
            + "<br>%{customdata:,} labelled rows<extra></extra>",
        }
        overall = sum(c[positive] for c in breakdown.class_counts) / max(
            sum(sum(c) for c in breakdown.class_counts), 1
        )
        line = {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": overall,
            "y1": overall,
            "line": {"color": "#555", "dash": "dot", "width": 1},
        }
        title = f"share {summary.name} = {summary.positive_class}"
        yaxis = {"title": {"text": title}, "tickformat": ".0%", "rangemode": "tozero"}
        return {"data": [trace], "layout": _layout(xaxis=axis, yaxis=yaxis, shapes=[line])}
    traces = []
    for index, cls in enumerate(breakdown.classes):
        shares = [
            breakdown.class_counts[i][index] / total if total else None
            for i, total in zip(shown, totals, strict=True)
        ]
        traces.append(
            {
                "type": "bar",
                "name": cls,
                **x,
                "y": shares,
                "hovertext": labels,
                "hovertemplate": f"{summary.name} = {cls}"
                + "<br>%{hovertext}: %{y:.1%}<extra></extra>",
            }
        )
    yaxis = {"title": {"text": f"share of each {summary.name}"}, "tickformat": ".0%"}
    return {
        "data": traces,
        "layout": _layout(barmode="stack", showlegend=True, xaxis=axis, yaxis=yaxis),
    }


def correlation_figure(correlations: Correlations) -> Figure:
    """The heat map of the Pearson correlation matrix (-1 blue, 0 grey, +1 red)."""
    names = correlations.columns
    size = max(320, min(900, 28 * len(names) + 140))
    trace = {
        "type": "heatmap",
        "z": correlations.matrix,
        "x": names,
        "y": names,
        "zmin": -1,
        "zmax": 1,
        "colorscale": "RdBu",  # plotly.js: -1 blue, +1 red
        "hovertemplate": "%{y} × %{x}<br>r = %{z:.3f}<extra></extra>",
    }
    layout = _layout(
        height=size,
        width=size + 80,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"automargin": True, "tickangle": -45},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    return {"data": [trace], "layout": layout}


def missing_figure(columns: list[ColumnProfile]) -> Figure:
    """Share of missing values per column."""
    trace = {
        "type": "bar",
        "x": [c.name for c in columns],
        "y": [c.missing_fraction for c in columns],
        "customdata": [c.missing for c in columns],
        "marker": {"color": _ORANGE},
        "hovertemplate": "%{x}<br>%{y:.1%} missing (%{customdata:,} rows)<extra></extra>",
    }
    layout = _layout(
        xaxis={"type": "category", "automargin": True, "tickangle": -45},
        yaxis={"tickformat": ".0%", "range": [0, 1]},
    )
    return {"data": [trace], "layout": layout}


def target_distribution_figure(summary: TargetSummary, column: ColumnProfile) -> Figure:
    """How the target's values are distributed."""
    if summary.task is TargetTask.REGRESSION or not summary.classes:
        return column_figure(column)
    trace = {
        "type": "bar",
        "x": summary.classes,
        "y": summary.class_counts,
        "marker": {"color": _ORANGE},
        "hovertemplate": "%{x}<br>%{y:,} rows<extra></extra>",
    }
    return {"data": [trace], "layout": _layout(xaxis={"type": "category"})}


def association_figure(columns: list[ColumnProfile], *, threshold: float) -> Figure | None:
    """Each feature's single-feature score, best first, with the leakage threshold marked."""
    scored = [
        (c.name, c.association.score, c.association.method)
        for c in columns
        if c.association is not None and c.association.score is not None
    ]
    if not scored:
        return None
    scored.sort(key=lambda item: item[1])
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [score for _, score, _ in scored],
        "y": [name for name, _, _ in scored],
        "marker": {"color": [_ORANGE if score >= threshold else _BLUE for _, score, _ in scored]},
        "hovertemplate": "%{y}: %{x:.3f}<extra></extra>",
    }
    method = scored[0][2]
    low = 0.5 if method.endswith("auc") else 0.0
    layout = _layout(
        height=max(_HEIGHT, 22 * len(scored) + 60),
        xaxis={"range": [low, 1.0], "title": {"text": method.replace("_", " ")}},
        yaxis={"type": "category", "automargin": True},
        shapes=[
            {
                "type": "line",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#b03030", "dash": "dot"},
            }
        ],
    )
    return {"data": [trace], "layout": layout}
