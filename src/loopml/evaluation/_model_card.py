"""Model cards (after Mitchell et al., 2019): what a registered model version is for, what data
made it, how well it does and for whom, what it must not be trusted with, and where it came from.

A card is built from an :class:`EvaluationReport` plus what only the caller knows (intended use,
the dataset versions, known limitations, lineage). Limitations are never left to memory: every
flagged slice, failed fairness check, shortcut warning, failed behavioural test, missed success
criterion and a small test set are added to the given ones.

:func:`save_model_card` stores the Markdown and HTML in the content-addressed artifact store and
records their sha256 on the model version's tags (through the registry, so an audit event is
written); :func:`load_model_card` reads them back, re-hashed on read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from loopml.core import InvalidValueError, NotFoundError
from loopml.evaluation._behaviour import BehaviourReport
from loopml.evaluation._fairness import FairnessReport
from loopml.evaluation._report import (
    CriterionOutcome,
    EvaluationReport,
    json_ready,
    warning_dict,
)
from loopml.evaluation._report_html import (
    FigureNumbers,
    behaviour_context,
    criteria_context,
    explanations_context,
    fairness_context,
    fmt,
    render_page,
    slices_context,
)
from loopml.store import Stores

CARD_FORMAT = "loopml.model_card"
CARD_FORMAT_VERSION = 1
MARKDOWN_TAG = "loopml.model_card.md"
HTML_TAG = "loopml.model_card.html"
_FORMAT_TAGS = {"markdown": MARKDOWN_TAG, "html": HTML_TAG}
# Below this many test rows a 95% interval of a rate is several points wide: say so.
SMALL_TEST_SET_ROWS = 1000
_DATA_COLUMNS = ("role", "name", "version", "rows", "content_hash")
_MAX_MARKDOWN_ROWS = 20
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")


@dataclass(frozen=True, eq=False)
class ModelCard:
    """The card of one model version; see the module docstring. Build it with
    :func:`build_model_card`."""

    model_name: str
    version: int | None
    intended_use: str
    data: list[dict[str, Any]]
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    criteria: list[CriterionOutcome] = field(default_factory=list)
    slices: pd.DataFrame | None = field(default=None, repr=False)
    fairness: FairnessReport | None = None
    explanations: Any | None = field(default=None, repr=False)
    behaviour: BehaviourReport | None = None
    warnings: list[Any] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    lineage: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_name_and_version(self.model_name, self.version)

    @property
    def title(self) -> str:
        suffix = f" v{self.version}" if self.version is not None else ""
        return f"Model card: {self.model_name}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN becomes None)."""
        data: dict[str, Any] = json_ready(
            {
                "format": CARD_FORMAT,
                "format_version": CARD_FORMAT_VERSION,
                "model_name": self.model_name,
                "version": self.version,
                "intended_use": self.intended_use,
                "data": self.data,
                "metrics": self.metrics,
                "intervals": self.intervals,
                "criteria": [c.to_dict() for c in self.criteria],
                "slices": self.slices,
                "fairness": None if self.fairness is None else self.fairness.to_dict(),
                "explanations": None if self.explanations is None else self.explanations.to_dict(),
                "behaviour": None if self.behaviour is None else self.behaviour.to_dict(),
                "warnings": [warning_dict(w) for w in self.warnings],
                "limitations": self.limitations,
                "lineage": self.lineage,
            }
        )
        return data

    # -- Markdown -----------------------------------------------------------------------------

    def to_markdown(self) -> str:
        """The card as Markdown; every section is present, saying so when nothing is known."""
        parts = [f"# {_md_text(self.title)}", ""]
        use = "\n\n".join(_md_text(p) for p in _paragraphs(self.intended_use))
        parts += ["## Intended use", "", use or "_Not stated._", ""]
        parts += ["## Data", "", *self._data_markdown(), ""]
        parts += ["## Metrics", "", *self._metrics_markdown(), ""]
        parts += ["## Success criteria", "", *self._criteria_markdown(), ""]
        parts += ["## Slices", "", *self._slices_markdown(), ""]
        parts += ["## Fairness", "", *self._fairness_markdown(), ""]
        parts += ["## Explanations", "", *self._explanations_markdown(), ""]
        parts += ["## Behavioural tests", "", *self._behaviour_markdown(), ""]
        parts += ["## Limitations", ""]
        parts += [f"- {_md_text(line)}" for line in self.limitations] or ["_None known._"]
        parts += ["", "## Lineage", ""]
        parts += [
            f"- **{_md_text(key)}**: `{_md_code(value)}`" for key, value in self._lineage_items()
        ] or ["_Not recorded._"]
        return "\n".join(parts) + "\n"

    def _data_markdown(self) -> list[str]:
        if not self.data:
            return ["_No dataset versions recorded._"]
        headers, rows = _data_table(self.data)
        lines = _md_table(headers, rows)
        for entry in self.data:
            profile = entry.get("profile")
            if isinstance(profile, Mapping) and profile:
                lines += ["", f"Profile of {_md_text(_data_label(entry))}:", ""]
                lines += [f"- {_md_text(k)}: {_md_text(_plain(v))}" for k, v in profile.items()]
        return lines

    def _metrics_markdown(self) -> list[str]:
        if not self.metrics:
            return ["_No metrics._"]
        rows = [[name, fmt(value), _interval(self.intervals.get(name))] for name, value in
                self.metrics.items()]  # fmt: skip
        return _md_table(["metric", "value", "95% interval"], rows)

    def _criteria_markdown(self) -> list[str]:
        if not self.criteria:
            return ["_No success criteria given._"]
        rows = [[c["metric"], c["needs"], c["value"], c["result"]] for c in
                criteria_context(self.criteria)]  # fmt: skip
        return _md_table(["metric", "needs", "measured", "result"], rows)

    def _slices_markdown(self) -> list[str]:
        if self.slices is None or self.slices.empty:
            return ["_Not evaluated._"]
        frame = self.slices.sort_values("flagged", ascending=False, kind="stable")
        columns = [c for c in ("column", "value", "rows", "metric", "score", "low", "high",
                               "gap", "flagged") if c in frame.columns]  # fmt: skip
        lines = _md_frame(frame[columns])
        flagged = int(frame["flagged"].astype(bool).sum())
        return [f"{flagged} slice(s) flagged as far below the whole test set.", "", *lines]

    def _fairness_markdown(self) -> list[str]:
        if self.fairness is None:
            return ["_Not evaluated._"]
        lines = [f"Overall: **{'PASS' if self.fairness.passed else 'FAIL'}**"]
        for feature in self.fairness.features:
            lines += [
                "",
                f"### {_md_text(feature.feature)}: {'pass' if feature.passed else 'FAIL'}",
                "",
                f"Demographic parity difference {fmt(feature.demographic_parity_difference)}, "
                f"ratio {fmt(feature.demographic_parity_ratio)}; equalized odds difference "
                f"{fmt(feature.equalized_odds_difference)}.",
                *(f"- failed: {_md_text(check)}" for check in feature.failed_checks),
                "",
            ]
            rows = [[g.group, fmt(g.count), fmt(g.selection_rate), fmt(g.true_positive_rate),
                     fmt(g.false_positive_rate)] for g in feature.groups]  # fmt: skip
            lines += _md_table(["group", "rows", "selection rate", "TPR", "FPR"], rows)
        return lines

    def _explanations_markdown(self) -> list[str]:
        if self.explanations is None:
            return ["_Not computed._"]
        importance = getattr(self.explanations, "global_importance", None)
        if isinstance(importance, pd.DataFrame) and not importance.empty:
            return ["Global importance:", "", *_md_frame(importance)]
        return ["Explanations were computed; see the JSON or HTML card for details."]

    def _behaviour_markdown(self) -> list[str]:
        if self.behaviour is None:
            return ["_Not run._"]
        rows = [[case.kind, case.name, "PASS" if case.passed else "FAIL", case.detail]
                for case in self.behaviour.cases]  # fmt: skip
        summary = f"{self.behaviour.num_passed} passed, {self.behaviour.num_failed} failed."
        return [summary, "", *_md_table(["kind", "case", "result", "detail"], rows)]

    def _lineage_items(self) -> list[tuple[str, str]]:
        return [(str(key), _plain(value)) for key, value in self.lineage.items()]

    # -- HTML ---------------------------------------------------------------------------------

    def to_html(self) -> str:
        """The card as one self-contained page (plots offline, plotly.js embedded once)."""
        numbers = FigureNumbers()
        data = None
        if self.data:
            headers, rows = _data_table(self.data)
            profiles = [
                {"label": _data_label(entry), "entries": [(k, _plain(v)) for k, v in
                                                        entry["profile"].items()]}
                for entry in self.data
                if isinstance(entry.get("profile"), Mapping) and entry["profile"]
            ]  # fmt: skip
            data = {"headers": headers, "rows": rows, "profiles": profiles}
        context: dict[str, Any] = {
            "intended_use": _paragraphs(self.intended_use),
            "data": data,
            "metric_rows": [
                [name, fmt(value), _interval(self.intervals.get(name))]
                for name, value in self.metrics.items()
            ],
            "criteria": criteria_context(self.criteria),
            "slices": slices_context(self.slices, numbers) if self.slices is not None else None,
            "fairness": fairness_context(self.fairness, numbers) if self.fairness else None,
            "explanations": (
                explanations_context(self.explanations, numbers)
                if self.explanations is not None
                else None
            ),
            "behaviour": behaviour_context(self.behaviour) if self.behaviour else None,
            "limitations": self.limitations,
            "lineage": self._lineage_items(),
        }
        return render_page("card", title=self.title, context=context, figures=numbers.count)


def build_model_card(
    *,
    model_name: str,
    version: int | None,
    report: EvaluationReport,
    intended_use: str,
    data: Sequence[Mapping[str, Any]] = (),
    limitations: Sequence[str] = (),
    lineage: Mapping[str, Any] | None = None,
) -> ModelCard:
    """The card of ``model_name`` version ``version`` from its evaluation report.

    Args:
        intended_use: what the model is for (the project description or the goal's KPI).
        data: one mapping per dataset version used: ``name``, ``version``, ``rows``,
            ``content_hash``, ``role`` (train/valid/test) and optionally ``profile`` (a mapping
            of summary figures such as columns and missing %).
        limitations: known limitations; the derived ones are added after them.
        lineage: run id, pipeline run id, dataset version ids, params, code version, ...

    Raises:
        InvalidValueError: a blank model name, a version that is not a positive integer, a
            report that is not an EvaluationReport, or malformed data/limitations/lineage.
    """
    _check_name_and_version(model_name, version)
    if not isinstance(report, EvaluationReport):
        raise InvalidValueError(f"report must be an EvaluationReport, got {type(report).__name__}")
    if not isinstance(intended_use, str):
        raise InvalidValueError(f"intended_use must be text, got {intended_use!r}")
    if isinstance(data, Mapping | str) or not all(isinstance(d, Mapping) for d in data):
        raise InvalidValueError("data must be a list of mappings, one per dataset version")
    if isinstance(limitations, str) or not all(isinstance(x, str) for x in limitations):
        raise InvalidValueError("limitations must be a list of sentences (strings)")
    if lineage is not None and not isinstance(lineage, Mapping):
        raise InvalidValueError(f"lineage must be a mapping, got {type(lineage).__name__}")
    evaluation = report.evaluation
    return ModelCard(
        model_name=model_name,
        version=version,
        intended_use=intended_use.strip(),
        data=[dict(entry) for entry in data],
        metrics=dict(evaluation.metrics),
        intervals={evaluation.headline: evaluation.interval},
        criteria=list(report.criteria),
        slices=report.slices,
        fairness=report.fairness,
        explanations=report.explanations,
        behaviour=report.behaviour,
        warnings=list(report.warnings),
        limitations=list(dict.fromkeys([*limitations, *derived_limitations(report)])),
        lineage=dict(lineage or {}),
    )


def derived_limitations(report: EvaluationReport) -> list[str]:
    """The limitations an evaluation shows, one sentence each, most serious first."""
    lines = []
    for criterion in report.criteria:
        if not criterion.passed:
            lines.append(f"Does not meet the success criterion {criterion.describe()}.")
    if report.verdict is not None and not report.verdict.passed:
        failed = "; ".join(o.reason for o in report.verdict.outcomes if not o.passed)
        lines.append(f"Did not pass the promotion gate: {failed}.")
    if report.fairness is not None:
        lines += [f"Fairness check failed: {failure}." for failure in report.fairness.failures]
    if report.slices is not None and "flagged" in report.slices:
        for row in report.slices[report.slices["flagged"].astype(bool)].itertuples(index=False):
            lines.append(
                f"Worse on {row.column} = {row.value} ({fmt(row.rows)} rows): {row.metric} "
                f"{fmt(row.score)} against {fmt(getattr(row, 'overall', None))} overall."
            )
    lines += [f"Possible shortcut: {warning_dict(w)['message']}" for w in report.warnings]
    if report.behaviour is not None:
        lines += [
            f"Behavioural test failed: {case.kind} {case.name!r} ({case.detail})."
            for case in report.behaviour.cases
            if not case.passed
        ]
    evaluation = report.evaluation
    if evaluation.rows < SMALL_TEST_SET_ROWS:
        low, high = evaluation.interval
        lines.append(
            f"Evaluated on only {evaluation.rows:,} rows: the metrics are uncertain "
            f"(95% interval of {evaluation.headline}: {fmt(low)} – {fmt(high)})."
        )
    return lines


def save_model_card(card: ModelCard, *, stores: Stores | None = None) -> dict[str, str]:
    """Store the card's Markdown and HTML and record their sha256 on the model version.

    The tags ``loopml.model_card.md`` and ``loopml.model_card.html`` hold the digests; the
    registry writes the audit event. Saving again replaces the tags (the old blobs stay, as
    every blob does in the content-addressed store).

    Returns:
        ``{"markdown": digest, "html": digest}``.

    Raises:
        InvalidValueError: not a ModelCard, or a card without a version.
        NotFoundError: no such model or version (checked before anything is stored).
    """
    from loopml.registry import get_model_version, update_model_version
    from loopml.store import default_stores

    if not isinstance(card, ModelCard):
        raise InvalidValueError(f"expected a ModelCard, got {type(card).__name__}")
    if card.version is None:
        raise InvalidValueError(
            f"the card of {card.model_name!r} has no version: build it with the registered "
            "version number to save it"
        )
    stores = stores or default_stores()
    get_model_version(card.model_name, card.version, stores=stores)
    digests = {
        "markdown": stores.artifacts.put_bytes(card.to_markdown().encode("utf-8")),
        "html": stores.artifacts.put_bytes(card.to_html().encode("utf-8")),
    }
    update_model_version(
        card.model_name,
        card.version,
        tags={_FORMAT_TAGS[fmt_name]: digest for fmt_name, digest in digests.items()},
        stores=stores,
    )
    return digests


def load_model_card(
    name: str, version: int, *, stores: Stores | None = None, fmt: str = "markdown"
) -> str:
    """The stored card of ``name`` version ``version`` as Markdown (default) or HTML text.

    Raises:
        InvalidValueError: ``fmt`` is not "markdown" or "html", or a bad version number.
        NotFoundError: no such model or version, or the version has no card (the message
            lists the versions that have one).
        IntegrityError: the stored bytes no longer match their sha256.
    """
    from loopml.registry import get_model_version, list_model_versions
    from loopml.store import default_stores

    if fmt not in _FORMAT_TAGS:
        raise InvalidValueError(f"unknown card format {fmt!r}: use 'markdown' or 'html'")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValueError(f"version must be a positive integer, got {version!r}")
    stores = stores or default_stores()
    tag = _FORMAT_TAGS[fmt]
    record = get_model_version(name, version, stores=stores)
    digest = record.tags.get(tag)
    if not digest:
        with_cards = [v.version for v in list_model_versions(name, stores=stores) if tag in v.tags]
        raise NotFoundError(
            f"model card ({fmt}) of {name!r} version", version, available=with_cards
        )
    return stores.artifacts.get_bytes(digest).decode("utf-8")


# -- helpers ------------------------------------------------------------------------------------


def _check_name_and_version(model_name: Any, version: Any) -> None:
    if not isinstance(model_name, str) or not model_name.strip():
        raise InvalidValueError(f"model_name must be a non-blank string, got {model_name!r}")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        raise InvalidValueError(f"version must be a positive integer or None, got {version!r}")


def _plain(value: Any) -> str:
    """A value as one line of text: JSON for containers, formatted numbers otherwise."""
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(json_ready(value), sort_keys=True)
    return fmt(value)


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _interval(interval: Any) -> str:
    if interval is None:
        return ""
    low, high = interval
    return f"{fmt(low)} – {fmt(high)}"


def _data_label(entry: Mapping[str, Any]) -> str:
    label = str(entry.get("name", "dataset"))
    if entry.get("version") is not None:
        label += f" v{entry['version']}"
    if entry.get("role"):
        label += f" ({entry['role']})"
    return label


def _data_table(data: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The dataset versions as one table: the usual keys first, then any others (no profile)."""
    extra = [k for e in data for k in e if k not in _DATA_COLUMNS and k != "profile"]
    keys = [k for k in _DATA_COLUMNS if any(k in e for e in data)] + list(dict.fromkeys(extra))
    headers = [key.replace("_", " ") for key in keys]
    rows = [[_plain(entry.get(key)) if key in entry else "" for key in keys] for entry in data]
    return headers, rows


def _md_text(value: Any) -> str:
    """Text safe inside a Markdown table cell or list item (one line, pipes escaped)."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return _HTML_START.sub("&lt;", text)  # no raw HTML tags from user text


def _md_code(value: Any) -> str:
    return " ".join(str(value).split()).replace("`", "'")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = [
        "| " + " | ".join(_md_text(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_md_text(cell) for cell in row) + " |" for row in rows]
    return lines


def _md_frame(frame: pd.DataFrame) -> list[str]:
    shown = frame.head(_MAX_MARKDOWN_ROWS)
    rows = [[fmt(cell) for cell in record] for record in shown.itertuples(index=False)]
    lines = _md_table([str(c) for c in frame.columns], rows)
    if len(frame) > len(shown):
        lines += ["", f"_{len(frame) - len(shown)} more rows in the JSON card._"]
    return lines
