"""HTML for evaluation reports and model cards: jinja2 templates, number formatting, figures.

One page per report, self-contained so it can be mailed, archived as a run artifact and opened
years later with no network: plotly.js is embedded ONCE in the head and every figure is a
``fig.to_html(full_html=False, include_plotlyjs=False)`` fragment after it. Figure ids are
numbered, not random, so the same report renders to the same bytes (and the same sha256 in the
content-addressed artifact store).

Every user string reaches the page through jinja2's autoescaping; only plotly's own fragments
(which escape their JSON) are marked safe.
"""

# ruff: noqa: E501  (the HTML templates below keep their markup on one line per element)

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from loopml.core import InvalidValueError

_FIGURE_HEIGHT = "420px"
_MAX_TABLE_ROWS = 30

_SECTIONS = r"""
{% macro metric_table(rows, headers) %}
<table><thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for cell in row %}<td{% if loop.index > 1 %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% endmacro %}

{% macro frame_table(table) %}
<table><thead><tr>{% for h in table.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in table.rows %}<tr{% if row.flagged %} class="flagged"{% endif %}>{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% if table.more %}<p class="note">{{ table.more }} more rows not shown (all are in the JSON).</p>{% endif %}
{% endmacro %}

{% macro figures(items) %}
{% for item in items %}<div class="figure">{{ item }}</div>
{% endfor %}
{% endmacro %}

{% macro criteria_section(criteria) %}
<section class="card" id="criteria"><h2>Success criteria</h2>
<table><thead><tr><th>metric</th><th>needs</th><th>measured</th><th>result</th></tr></thead><tbody>
{% for c in criteria %}<tr><td>{{ c.metric }}</td><td>{{ c.needs }}</td><td class="num">{{ c.value }}</td>
<td><span class="{{ 'pass' if c.passed else 'fail' }}">{{ c.result }}</span></td></tr>
{% endfor %}</tbody></table></section>
{% endmacro %}

{% macro slices_section(slices) %}
<section class="card" id="slices"><h2>Slices</h2>
<p class="note">{{ slices.note }}</p>
{{ frame_table(slices.table) }}
{{ figures(slices.figures) }}
</section>
{% endmacro %}

{% macro fairness_section(fairness) %}
<section class="card" id="fairness"><h2>Fairness
  <span class="{{ 'pass' if fairness.passed else 'fail' }}">{{ 'PASS' if fairness.passed else 'FAIL' }}</span></h2>
<p class="note">Thresholds: {{ fairness.thresholds }}</p>
{% for f in fairness.features %}
<h3>{{ f.name }} <span class="{{ 'pass' if f.passed else 'fail' }}">{{ 'pass' if f.passed else 'fail' }}</span></h3>
<p>demographic parity difference {{ f.dp_diff }} · ratio {{ f.dp_ratio }} · equalized odds difference {{ f.eo_diff }}</p>
{% if f.failed %}<ul class="problems">{% for check in f.failed %}<li>{{ check }}</li>{% endfor %}</ul>{% endif %}
{{ metric_table(f.rows, ["group", "rows", "selection rate", "true positive rate", "false positive rate"]) }}
{% if f.excluded %}<p class="note">Left out as too small: {{ f.excluded }}</p>{% endif %}
{{ figures(f.figures) }}
{% endfor %}
</section>
{% endmacro %}

{% macro behaviour_section(behaviour) %}
<section class="card" id="behaviour"><h2>Behavioural tests
  <span class="note">{{ behaviour.num_passed }} passed, {{ behaviour.num_failed }} failed</span></h2>
<table><thead><tr><th>kind</th><th>case</th><th>result</th><th>detail</th><th>failing rows</th></tr></thead><tbody>
{% for case in behaviour.cases %}<tr><td>{{ case.kind }}</td><td>{{ case.name }}</td>
<td><span class="{{ 'pass' if case.passed else 'fail' }}">{{ 'PASS' if case.passed else 'FAIL' }}</span></td>
<td>{{ case.detail }}</td><td>{{ case.failing_rows | join(", ") }}</td></tr>
{% endfor %}</tbody></table></section>
{% endmacro %}

{% macro explanations_section(explanations) %}
<section class="card" id="explanations"><h2>Explanations</h2>
{% if explanations.table %}<h3>Global importance</h3>{{ frame_table(explanations.table) }}{% endif %}
{{ figures(explanations.figures) }}
</section>
{% endmacro %}

{% macro warnings_section(warnings) %}
<section class="card" id="warnings"><h2>Warnings ({{ warnings | length }})</h2>
<ul class="warnings">{% for w in warnings %}<li><span class="kind">{{ w.kind }}</span>
{% if w.feature %}<b>{{ w.feature }}</b>: {% endif %}{{ w.message }}</li>{% endfor %}</ul>
</section>
{% endmacro %}
"""

_PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="loopml">
<title>{{ title }}</title>
<style>
  :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --page: #f5f7fa;
          --good: #2f7a3e; --bad: #b03030; --warn: #b44d12; --accent: #3b6ea8; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color: var(--ink); background: var(--page); }
  header { background: #243b53; color: #fff; padding: 18px 28px; }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  header p { margin: 0; color: #bcccdc; }
  main { max-width: 1200px; margin: 0 auto; padding: 12px 28px 60px; }
  section.card { background: #fff; border: 1px solid var(--line); border-radius: 6px;
                 padding: 14px 18px; margin: 16px 0; }
  h2 { margin: 0 0 10px; font-size: 18px; }
  h3 { margin: 14px 0 6px; font-size: 15px; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.flagged td { background: #fdecea; }
  .note { color: var(--muted); font-size: 13px; }
  .pass { color: var(--good); font-weight: 600; }
  .fail { color: var(--bad); font-weight: 600; }
  .tiles { display: flex; flex-wrap: wrap; gap: 12px; }
  .tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 170px; }
  .tile b { display: block; font-size: 20px; }
  .tile span { color: var(--muted); }
  ul.warnings, ul.problems { padding-left: 18px; margin: 4px 0; }
  .kind { font-weight: 600; color: var(--warn); margin-right: 6px; }
  .figure { margin: 8px 0; }
  pre { white-space: pre-wrap; }
</style>
{% if plotly_js %}<script>{{ plotly_js }}</script>{% endif %}
</head>
<body>
{{ body }}
</body>
</html>
"""

_REPORT = r"""{% import "sections" as s %}
<header>
  <h1>{{ title }}</h1>
  <p>{{ model }} · {{ dataset }} · {{ task }} · {{ rows }} rows</p>
</header>
<main>
<section class="card" id="summary"><h2>Summary</h2>
<div class="tiles">
  <div class="tile"><span>{{ headline.metric }}</span><b>{{ headline.value }}</b>
    <span>95% interval {{ headline.low }} – {{ headline.high }}</span></div>
  {% if criteria %}<div class="tile"><span>success criteria</span>
    <b class="{{ 'pass' if criteria_failed == 0 else 'fail' }}">{{ criteria_passed }} / {{ criteria | length }} met</b></div>{% endif %}
  {% if verdict %}<div class="tile"><span>promotion gate</span>
    <b class="{{ 'pass' if verdict.passed else 'fail' }}">{{ 'PASSED' if verdict.passed else 'FAILED' }}</b></div>{% endif %}
  {% if fairness %}<div class="tile"><span>fairness</span>
    <b class="{{ 'pass' if fairness.passed else 'fail' }}">{{ 'PASS' if fairness.passed else 'FAIL' }}</b></div>{% endif %}
  {% if behaviour %}<div class="tile"><span>behavioural tests</span>
    <b class="{{ 'pass' if behaviour.num_failed == 0 else 'fail' }}">{{ behaviour.num_passed }} / {{ behaviour.cases | length }} passed</b></div>{% endif %}
  {% if slices %}<div class="tile"><span>flagged slices</span>
    <b class="{{ 'pass' if slices.flagged == 0 else 'fail' }}">{{ slices.flagged }}</b></div>{% endif %}
  <div class="tile"><span>warnings</span>
    <b class="{{ 'pass' if not warnings else 'fail' }}">{{ warnings | length }}</b></div>
</div>
{% if goal %}<p><b>Goal:</b> {{ goal }}</p>{% endif %}
{% if unmet %}<ul class="problems">{% for line in unmet %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
</section>

{% if criteria %}{{ s.criteria_section(criteria) }}{% endif %}

{% if verdict %}
<section class="card" id="gate"><h2>Promotion gate
  <span class="{{ 'pass' if verdict.passed else 'fail' }}">{{ 'PASSED' if verdict.passed else 'FAILED' }}</span></h2>
<table><thead><tr><th>rule</th><th>result</th><th>reason</th></tr></thead><tbody>
{% for o in verdict.outcomes %}<tr><td>{{ o.rule }}</td>
<td><span class="{{ 'pass' if o.passed else 'fail' }}">{{ 'pass' if o.passed else 'fail' }}</span></td><td>{{ o.reason }}</td></tr>
{% endfor %}</tbody></table></section>
{% endif %}

<section class="card" id="metrics"><h2>Metrics</h2>
{{ s.metric_table(metric_rows, metric_headers) }}
{{ s.figures(evaluation_figures) }}
</section>

{% if threshold %}
<section class="card" id="threshold"><h2>Decision threshold</h2>
<p class="note">Chosen on the validation rows for {{ threshold.objective }}; scored here on the
test rows. Predict {{ threshold.positive }} when its probability is at least {{ threshold.cut }}.</p>
{{ s.metric_table(threshold.rows, ["at the threshold", "validation (chosen on)", "test"]) }}
{{ s.figures(threshold.figures) }}
</section>
{% endif %}

{% if comparison %}
<section class="card" id="comparison"><h2>Champion vs challenger</h2>
<p class="note">{{ comparison.note }}</p>
{{ s.metric_table(comparison.rows, ["metric", "champion", "challenger", "delta", "interval of the delta"]) }}
<p>{{ comparison.test }}</p>
{{ s.figures(comparison.figures) }}
</section>
{% endif %}

{% if slices %}{{ s.slices_section(slices) }}{% endif %}
{% if fairness %}{{ s.fairness_section(fairness) }}{% endif %}
{% if behaviour %}{{ s.behaviour_section(behaviour) }}{% endif %}
{% if explanations %}{{ s.explanations_section(explanations) }}{% endif %}
{% if warnings %}{{ s.warnings_section(warnings) }}{% endif %}
<p class="note">Made by loopml. The interval is a percentile bootstrap over the evaluation rows.</p>
</main>
"""

_CARD = r"""{% import "sections" as s %}
<header>
  <h1>{{ title }}</h1>
  <p>Model card</p>
</header>
<main>
<section class="card" id="intended-use"><h2>Intended use</h2>
{% for paragraph in intended_use %}<p>{{ paragraph }}</p>{% else %}<p>Not stated.</p>{% endfor %}</section>

<section class="card" id="data"><h2>Data</h2>
{% if data %}
<table><thead><tr>{% for h in data.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in data.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
{% for p in data.profiles %}<h3>Profile of {{ p.label }}</h3>
<table><tbody>{% for key, value in p.entries %}<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endfor %}</tbody></table>
{% endfor %}
{% else %}<p>No dataset versions recorded.</p>{% endif %}
</section>

<section class="card" id="metrics"><h2>Metrics</h2>
{{ s.metric_table(metric_rows, ["metric", "value", "95% interval"]) }}
</section>

{% if criteria %}{{ s.criteria_section(criteria) }}{% endif %}
{% if slices %}{{ s.slices_section(slices) }}{% endif %}
{% if fairness %}{{ s.fairness_section(fairness) }}{% endif %}
{% if explanations %}{{ s.explanations_section(explanations) }}{% endif %}
{% if behaviour %}{{ s.behaviour_section(behaviour) }}{% endif %}

<section class="card" id="limitations"><h2>Limitations</h2>
{% if limitations %}<ul class="problems">{% for line in limitations %}<li>{{ line }}</li>{% endfor %}</ul>
{% else %}<p>None known.</p>{% endif %}
</section>

<section class="card" id="lineage"><h2>Lineage</h2>
{% if lineage %}<table><tbody>{% for key, value in lineage %}<tr><th>{{ key }}</th><td><code>{{ value }}</code></td></tr>{% endfor %}</tbody></table>
{% else %}<p>No lineage recorded.</p>{% endif %}
</section>
<p class="note">Made by loopml.</p>
</main>
"""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.DictLoader(
            {"page": _PAGE, "sections": _SECTIONS, "report": _REPORT, "card": _CARD}
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def render_page(template: str, *, title: str, context: Mapping[str, Any], figures: int) -> str:
    """Render ``template`` ("report" or "card") into the full page; plotly.js only if needed."""
    body = _environment().get_template(template).render(title=title, **context)
    page = _environment().get_template("page")
    plotly_js = Markup(_plotly_js()) if figures else ""
    return page.render(title=title, body=Markup(body), plotly_js=plotly_js)


class FigureNumbers:
    """Turns figures into HTML fragments with ids ``plot-1``, ``plot-2``, ... in page order."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, figures: Iterable[go.Figure]) -> list[Markup]:
        fragments = []
        for figure in figures:
            if not isinstance(figure, go.Figure):
                raise InvalidValueError(
                    f"expected a plotly Figure for the report, got {type(figure).__name__}"
                )
            self.count += 1
            fragments.append(
                Markup(
                    figure.to_html(
                        full_html=False,
                        include_plotlyjs=False,
                        div_id=f"plot-{self.count}",
                        default_height=_FIGURE_HEIGHT,
                        config={"displaylogo": False, "responsive": True},
                    )
                )
            )
        return fragments


def fmt(value: Any) -> str:
    """A number for people: 4 decimals for metric-sized values, thousands separators for counts."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value.is_integer() and abs(value) >= 2:  # counts stored as floats (support[...])
            return f"{int(value):,}"
        if value == 0 or 0.001 <= abs(value) < 1000:
            return f"{value:.4f}"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.3g}"
    if hasattr(value, "item"):  # numpy scalars
        return fmt(value.item())
    return str(value)


def frame_table(
    frame: pd.DataFrame, *, flagged: Sequence[bool] | None = None, limit: int = _MAX_TABLE_ROWS
) -> dict[str, Any]:
    """Headers and formatted cells of the first ``limit`` rows (flagged rows highlighted)."""
    shown = frame.head(limit)
    marks = list(flagged)[:limit] if flagged is not None else [False] * len(shown)
    rows = [
        {"cells": [fmt(cell) for cell in record], "flagged": bool(mark)}
        for record, mark in zip(shown.itertuples(index=False), marks, strict=True)
    ]
    return {
        "headers": [str(column) for column in frame.columns],
        "rows": rows,
        "more": max(len(frame) - limit, 0),
    }


def slices_figure(slices: pd.DataFrame) -> go.Figure | None:
    """Each slice's metric with its interval; flagged slices red; the whole as a dotted line."""
    scored = slices[slices["score"].notna()]
    if scored.empty:
        return None
    labels = [
        f"{column} = {value}"
        for column, value in zip(scored["column"], scored["value"], strict=True)
    ]
    upper = (scored["high"] - scored["score"]).fillna(0).clip(lower=0)
    lower = (scored["score"] - scored["low"]).fillna(0).clip(lower=0)
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=scored["score"],
            marker_color=["#b03030" if f else "#3b6ea8" for f in scored["flagged"]],
            error_y={"type": "data", "array": upper.tolist(), "arrayminus": lower.tolist()},
            hovertemplate="%{x}<br>%{y:.4f}<extra></extra>",
        )
    )
    metric = str(scored["metric"].iloc[0])
    figure.add_hline(
        y=float(scored["overall"].iloc[0]), line_dash="dot", annotation_text="whole test set"
    )
    figure.update_layout(title=f"{metric} by slice (red: flagged)", yaxis_title=metric)
    return figure


def fairness_figure(feature: Any) -> go.Figure:
    """Selection rate, TPR and FPR per group of one sensitive feature (a FeatureFairness)."""
    groups = [group.group for group in feature.groups]
    figure = go.Figure()
    for label, attribute in (
        ("selection rate", "selection_rate"),
        ("true positive rate", "true_positive_rate"),
        ("false positive rate", "false_positive_rate"),
    ):
        values = [getattr(group, attribute) for group in feature.groups]
        figure.add_trace(go.Bar(x=groups, y=values, name=label))
    figure.update_layout(
        title=f"Rates by group of {feature.feature}", barmode="group", yaxis_range=[0, 1]
    )
    return figure


def comparison_figure(comparison: Any) -> go.Figure:
    """Challenger minus champion per metric, with the paired bootstrap interval."""
    deltas = list(comparison.metrics)
    figure = go.Figure(
        go.Bar(
            x=[d.metric for d in deltas],
            y=[d.delta for d in deltas],
            error_y={
                "type": "data",
                "array": [d.delta_high - d.delta for d in deltas],
                "arrayminus": [d.delta - d.delta_low for d in deltas],
            },
            marker_color=["#2f7a3e" if d.improvement >= 0 else "#b03030" for d in deltas],
        )
    )
    figure.add_hline(y=0, line_dash="dot")
    figure.update_layout(
        title="Challenger minus champion (green: challenger better)", yaxis_title="delta"
    )
    return figure


# -- section contexts shared by the report and the model card ------------------------------------


def criteria_context(criteria: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows for the success-criteria table (CriterionOutcome-like objects)."""
    return [
        {
            "metric": c.metric,
            "needs": c.requirement,
            "value": fmt(c.value) if c.value is not None else "not measured",
            "passed": c.passed,
            "result": "met" if c.passed else ("NOT MEASURED" if c.value is None else "MISSED"),
        }
        for c in criteria
    ]


def slices_context(slices: pd.DataFrame, numbers: FigureNumbers) -> dict[str, Any]:
    """Table (flagged rows highlighted) and chart of a ``slice_metrics`` frame."""
    flagged = slices["flagged"].astype(bool).tolist() if "flagged" in slices else None
    figure = slices_figure(slices) if {"score", "low", "high", "overall"} <= set(slices) else None
    count = int(sum(flagged)) if flagged else 0
    ordered = slices
    if flagged:  # flagged slices first, so the table's head is what needs attention
        ordered = slices.assign(_order=[not f for f in flagged]).sort_values(
            "_order", kind="stable"
        )
        flagged = [not f for f in ordered.pop("_order")]
    return {
        "flagged": count,
        "note": (
            f"{count} slice(s) flagged: worse than the whole test set by more than the "
            "allowed drop, with an interval entirely below it."
            if count
            else "No slice is far below the whole test set."
        ),
        "table": frame_table(ordered, flagged=flagged),
        "figures": numbers.html([figure] if figure is not None else []),
    }


def fairness_context(fairness: Any, numbers: FigureNumbers) -> dict[str, Any]:
    """Per sensitive feature: the disparity numbers, failed checks, group rates and a chart."""
    limits = [f"{k} {fmt(v)}" for k, v in vars(fairness.thresholds).items() if v is not None]
    features = []
    for feature in fairness.features:
        features.append(
            {
                "name": feature.feature,
                "passed": feature.passed,
                "dp_diff": fmt(feature.demographic_parity_difference),
                "dp_ratio": fmt(feature.demographic_parity_ratio),
                "eo_diff": fmt(feature.equalized_odds_difference),
                "failed": list(feature.failed_checks),
                "rows": [
                    [
                        g.group,
                        fmt(g.count),
                        fmt(g.selection_rate),
                        fmt(g.true_positive_rate),
                        fmt(g.false_positive_rate),
                    ]
                    for g in feature.groups
                ],
                "excluded": ", ".join(
                    f"{g.group} ({g.count:,} rows)" for g in feature.excluded_groups
                ),
                "figures": numbers.html([fairness_figure(feature)]),
            }
        )
    return {
        "passed": fairness.passed,
        "thresholds": ", ".join(limits) or "none",
        "features": features,
    }


def threshold_context(threshold: Any, numbers: FigureNumbers) -> dict[str, Any]:
    """The decision-threshold section: the cut-off, its scores on both row sets, the curve."""
    chosen = threshold.chosen
    on_validation = {
        "precision": chosen.precision,
        "recall": chosen.recall,
        "f1": chosen.f1,
        "false_positive_rate": chosen.false_positive_rate,
    }
    rows = [
        [name, fmt(on_validation.get(name)), fmt(threshold.test.get(name))]
        for name in ("precision", "recall", "f1", "false_positive_rate", "accuracy")
    ]
    figures = [threshold.figure] if threshold.figure is not None else []
    return {
        "objective": chosen.objective,
        "positive": chosen.positive_label,
        "cut": fmt(chosen.threshold),
        "rows": rows,
        "figures": numbers.html(figures),
    }


def behaviour_context(behaviour: Any) -> dict[str, Any]:
    return {
        "num_passed": behaviour.num_passed,
        "num_failed": behaviour.num_failed,
        "cases": list(behaviour.cases),
    }


def explanations_context(explanations: Any, numbers: FigureNumbers) -> dict[str, Any]:
    """The global importance table (when the object has one) and the object's figures."""
    importance = getattr(explanations, "global_importance", None)
    table = frame_table(importance) if isinstance(importance, pd.DataFrame) else None
    figures_method = getattr(explanations, "figures", None)
    figures = figures_method() if callable(figures_method) else {}
    if not isinstance(figures, Mapping):
        raise InvalidValueError(
            "explanations.figures() must return a mapping of title to plotly Figure, "
            f"got {type(figures).__name__}"
        )
    return {"table": table, "figures": numbers.html(figures.values())}


def comparison_context(comparison: Any, numbers: FigureNumbers) -> dict[str, Any]:
    test = comparison.test
    return {
        "note": (
            f"Both models on the same {comparison.num_rows:,} rows; intervals are "
            f"{comparison.confidence:.0%} paired bootstrap intervals of the difference."
        ),
        "rows": [
            [
                d.metric,
                fmt(d.champion),
                fmt(d.challenger),
                f"{d.delta:+.4f}",
                f"[{d.delta_low:+.4f}, {d.delta_high:+.4f}]",
            ]
            for d in comparison.metrics
        ],
        "test": f"Paired test {test.name}: p = {test.p_value:.4g}, favours {test.favours}.",
        "figures": numbers.html([comparison_figure(comparison)]),
    }
