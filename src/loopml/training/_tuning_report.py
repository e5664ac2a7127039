"""The tuning report: figure specs, parameter importance and one offline HTML page.

The report is written straight from the study's trials (figure JSON and plotly.js in one page)
rather than through plotly's validated figure objects, whose imports and checks alone cost
~0.3 s, 6 ms a trial over a 50-trial study. Kept apart from the tuning loop so the page can
change without touching how trials run or are recorded.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import optuna
import orjson

from loopml.core import LoopmlError


def _history_spec(study: optuna.Study, completed: list[optuna.trial.FrozenTrial]) -> dict[str, Any]:
    numbers = [trial.number for trial in completed]
    values = [float(cast(float, trial.value)) for trial in completed]
    pick = max if study.direction == optuna.study.StudyDirection.MAXIMIZE else min
    best: list[float] = []
    for value in values:
        best.append(value if not best else pick(best[-1], value))
    return {
        "data": [
            {"type": "scatter", "mode": "markers", "name": "Objective value"}
            | {"x": numbers, "y": values},
            {"type": "scatter", "mode": "lines", "name": "Best value", "x": numbers, "y": best},
        ],
        "layout": {
            "title": {"text": "Optimisation history"},
            "xaxis": {"title": {"text": "Trial"}},
            "yaxis": {"title": {"text": "Objective value"}},
        },
    }


_IMPORTANCE_BINS = 5


def _param_importances(completed: list[optuna.trial.FrozenTrial]) -> dict[str, float]:
    """Each parameter's share of the score's variance, by a one-way ANOVA on its values.

    A parameter's trials are grouped by its value (a categorical's choices; a number's quantile
    bins, up to five), and its importance is the correlation ratio: the between-group sum of
    squares over the total. Shares are normalised to sum to 1, highest first. Cheap on purpose
    (~1 ms for 50 trials): Optuna's importance module imports scikit-learn's ensembles
    (~0.1 s) and its fANOVA takes ~2.4 s, a real share of a short study.
    """
    import numpy as np

    values = np.array([float(cast(float, trial.value)) for trial in completed])
    total = float(((values - values.mean()) ** 2).sum())
    if len(values) < 2 or total <= 0 or not math.isfinite(total):
        return {}
    ratios: dict[str, float] = {}
    for name, distribution in completed[-1].distributions.items():
        column = [trial.params.get(name) for trial in completed]
        if isinstance(distribution, optuna.distributions.CategoricalDistribution):
            keys = [repr(value) for value in column]
            groups = [np.flatnonzero([k == key for k in keys]) for key in dict.fromkeys(keys)]
        else:
            order = np.argsort(np.array([np.nan if v is None else float(v) for v in column]))
            groups = [g for g in np.array_split(order, min(_IMPORTANCE_BINS, len(order))) if len(g)]
        between = sum(len(g) * (values[g].mean() - values.mean()) ** 2 for g in groups)
        ratios[name] = float(between / total)
    scale = sum(ratios.values())
    if scale <= 0:
        return {}
    return dict(sorted(((k, v / scale) for k, v in ratios.items()), key=lambda kv: -kv[1]))


def _importance_spec(completed: list[optuna.trial.FrozenTrial]) -> dict[str, Any] | None:
    importances = _param_importances(completed)
    if not importances:
        return None  # no spread in the scores: nothing to attribute
    names = list(importances)[::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [importances[name] for name in names],
                "y": names,
            }
        ],
        "layout": {
            "title": {"text": "Parameter importance (share of score variance)"},
            "xaxis": {"title": {"text": "Importance"}},
        },
    }


def _parallel_spec(
    study: optuna.Study, completed: list[optuna.trial.FrozenTrial]
) -> dict[str, Any]:
    values = [float(cast(float, trial.value)) for trial in completed]
    dimensions: list[dict[str, Any]] = [{"label": "Objective value", "values": values}]
    for name, distribution in completed[-1].distributions.items():
        column = [trial.params.get(name) for trial in completed]
        if isinstance(distribution, optuna.distributions.CategoricalDistribution):
            labels = [repr(choice) for choice in distribution.choices]
            index = {label: i for i, label in enumerate(labels)}
            dimensions.append(
                {
                    "label": name,
                    "values": [index.get(repr(value), -1) for value in column],
                    "tickvals": list(range(len(labels))),
                    "ticktext": labels,
                }
            )
        elif getattr(distribution, "log", False):
            logged = [math.log10(float(v)) if v is not None else None for v in column]
            dimensions.append({"label": f"{name} (log10)", "values": logged})
        else:
            dimensions.append({"label": name, "values": column})
    minimize = study.direction == optuna.study.StudyDirection.MINIMIZE
    return {
        "data": [
            {
                "type": "parcoords",
                "dimensions": dimensions,
                "line": {
                    "color": values,
                    "colorscale": "Blues",
                    "reversescale": minimize,
                    "showscale": True,
                },
            }
        ],
        "layout": {"title": {"text": "Parallel coordinates"}},
    }


def _figure_specs(study: optuna.Study) -> dict[str, dict[str, Any]]:
    """The report's figures as plotly figure dicts (title -> {"data", "layout"})."""
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    specs: dict[str, dict[str, Any]] = {}
    if not completed:
        return specs
    specs["Optimisation history"] = _history_spec(study, completed)
    if len(completed) >= 2 and completed[0].distributions:
        importance = _importance_spec(completed)
        if importance is not None:
            specs["Parameter importance"] = importance
    specs["Parallel coordinates"] = _parallel_spec(study, completed)
    return specs


@functools.cache
def _plotly_js() -> str:
    """plotly.js as shipped in the plotly package, read once per process (no CDN)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise LoopmlError("plotly is not installed; the tuning report needs its plotly.js")
    bundle = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return bundle.read_text(encoding="utf-8")


def _report_html(specs: Mapping[str, Mapping[str, Any]], summary: str) -> str:
    """One self-contained page: plotly.js embedded once, so it works offline.

    The figure dicts go to ``Plotly.newPlot`` as JSON: the same page ``fig.to_html`` would give,
    without building validated plotly objects (see the module docstring for the cost).
    """
    parts = []
    for index, (title, spec) in enumerate(specs.items()):
        data = orjson.dumps(spec["data"], option=orjson.OPT_SERIALIZE_NUMPY).decode()
        layout = orjson.dumps(spec["layout"], option=orjson.OPT_SERIALIZE_NUMPY).decode()
        div = f"loopml-figure-{index}"
        parts.append(
            f"<h2>{html.escape(title)}</h2>\n<div id='{div}' style='height:480px'></div>\n"
            f"<script>Plotly.newPlot('{div}', {_script_safe(data)}, {_script_safe(layout)}, "
            "{'responsive': true});</script>"
        )
    plotly_js = f"<script type='text/javascript'>{_plotly_js()}</script>" if parts else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>loopml tuning report</title>"
        f"{plotly_js}</head><body style='font-family:sans-serif'><h1>Tuning report</h1>"
        f"<pre>{html.escape(summary)}</pre>{''.join(parts)}</body></html>"
    )


def _script_safe(text: str) -> str:
    # A "</script>" inside a parameter name or choice would end the script element early.
    return text.replace("</", "<\\/")
