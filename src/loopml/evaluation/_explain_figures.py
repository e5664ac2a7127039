"""Plotly figures of :class:`Explanations`: importance bars, the SHAP beeswarm, a row's waterfall.

Only drawing lives here, so a change of layout never touches the numbers; the figures read an
``Explanations`` and nothing else, and ``Explanations.figures`` is their one caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from loopml.evaluation._explain_shap import _is_number

if TYPE_CHECKING:  # the figures draw an Explanations; _explain imports this module at run time
    from loopml.evaluation._explain import Explanations

_TOP_FEATURES = 20
_BEESWARM_FEATURES = 15
_WATERFALL_FEATURES = 10


def _importance_bar(
    frame: pd.DataFrame, *, value: str, error: str | None, axis: str, title: str
) -> go.Figure:
    top = frame.head(_TOP_FEATURES).iloc[::-1]  # plotly draws the first bar at the bottom
    bar = go.Bar(
        x=top[value].to_numpy(dtype=float),
        y=top["feature"].tolist(),
        orientation="h",
        error_x=(
            {"type": "data", "array": top[error].to_numpy(dtype=float).tolist()}
            if error is not None
            else None
        ),
    )
    figure = go.Figure(bar)
    figure.update_layout(
        title=title, xaxis_title=axis, yaxis_title="feature", height=max(300, 24 * len(top) + 120)
    )
    return figure


def _color_scale(series: pd.Series) -> np.ndarray:
    """Each value's rank within its feature, 0 (lowest) to 1 (highest); 0.5 when unrankable."""
    if not _is_number(series):
        series = pd.Series(pd.factorize(series.astype(object), sort=False)[0], index=series.index)
    ranks = series.astype(float).rank(pct=True).to_numpy()
    return np.where(np.isnan(ranks), 0.5, ranks)


def _beeswarm(explanations: Explanations) -> go.Figure:
    features = explanations.global_importance["feature"].head(_BEESWARM_FEATURES).tolist()
    jitter = np.random.default_rng(0)
    figure = go.Figure()
    for level, name in enumerate(reversed(features)):
        column = explanations.features.index(name)
        raw = explanations.rows.iloc[:, column]
        figure.add_trace(
            go.Scatter(
                x=explanations.shap_values[:, column],
                y=level + jitter.uniform(-0.3, 0.3, size=len(raw)),
                mode="markers",
                name=name,
                showlegend=False,
                text=[f"{name} = {value}" for value in raw],
                hovertemplate="%{text}<br>SHAP %{x:.4g}<extra></extra>",
                marker={
                    "color": _color_scale(raw),
                    "colorscale": "Bluered",
                    "cmin": 0,
                    "cmax": 1,
                    "size": 5,
                    "opacity": 0.7,
                    "showscale": level == 0,
                    "colorbar": {
                        "title": "feature value",
                        "tickvals": [0, 1],
                        "ticktext": ["low", "high"],
                    },
                },
            )
        )
    figure.update_layout(
        title="SHAP values per row (colour: the feature's value)",
        xaxis_title=f"SHAP value ({explanations.output})",
        yaxis={"tickvals": list(range(len(features))), "ticktext": list(reversed(features))},
        height=max(300, 30 * len(features) + 120),
    )
    return figure


def _waterfall(explanations: Explanations, position: int) -> go.Figure:
    table = explanations.row_explanation(position)
    shown, rest = table.head(_WATERFALL_FEATURES), table.iloc[_WATERFALL_FEATURES:]
    base = explanations._base_of(position)
    labels = ["base value"] + [
        f"{f} = {_short(v)}" for f, v in zip(shown["feature"], shown["value"], strict=True)
    ]
    steps = [base] + shown["shap"].astype(float).tolist()
    if len(rest):
        labels.append(f"{len(rest)} other features")
        steps.append(float(rest["shap"].sum()))
    labels.append("model output")
    steps.append(0.0)
    measures = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
    figure = go.Figure(go.Waterfall(x=steps, y=labels, measure=measures, orientation="h"))
    label = explanations.rows.index[position]
    suffix = ""
    if explanations.explained_classes is not None:
        suffix = f", class {explanations.explained_classes[position]}"
    figure.update_layout(
        title=f"Explanation of row {label}{suffix} ({explanations.output})",
        xaxis_title=explanations.output,
        yaxis={"autorange": "reversed"},
        height=max(300, 28 * len(labels) + 120),
    )
    return figure


def _short(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."
