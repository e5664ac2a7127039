"""Model cards: every section, derived limitations, and saving on a registered version."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from loopml.core import IntegrityError, InvalidValueError, NotFoundError, sha256_bytes
from loopml.evaluation._model_card import (
    HTML_TAG,
    MARKDOWN_TAG,
    ModelCard,
    build_model_card,
    load_model_card,
    save_model_card,
)
from loopml.registry import get_model_version, register_model
from loopml.store import Stores
from tests.evaluation.test_report import FEATURES, full_report, minimal_report, scenario
from tests.registry.conftest import audit_actions, object_path

DATA = [
    {
        "name": "customers",
        "version": 3,
        "rows": 4_000,
        "content_hash": "ab" * 32,
        "role": "train",
        "profile": {"columns": 3, "missing %": 0.5, "warnings": ["x2 | skewed"]},
    },
    {"name": "customers", "version": 3, "rows": 600, "content_hash": "cd" * 32, "role": "test"},
]
LINEAGE = {"run_id": "run-1", "pipeline_run_id": "pipe-7", "params": {"C": 1.0}}


def full_card(version: int | None = 2) -> ModelCard:
    return build_model_card(
        model_name="churn",
        version=version,
        report=full_report(),
        intended_use="Rank customers by churn risk for the retention team.",
        data=DATA,
        limitations=["Trained on one country only."],
        lineage=LINEAGE,
    )


SECTIONS = [
    "## Intended use",
    "## Data",
    "## Metrics",
    "## Success criteria",
    "## Slices",
    "## Fairness",
    "## Explanations",
    "## Behavioural tests",
    "## Limitations",
    "## Lineage",
]


def test_markdown_has_every_section_with_its_content() -> None:
    text = full_card().to_markdown()
    assert text.startswith("# Model card: churn v2\n")
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    evaluation = scenario()["evaluation"]
    low, high = evaluation.interval
    assert f"| {evaluation.headline} | " in text and f"{low:.4f} – {high:.4f}" in text
    assert "| train | customers | 3 | 4,000 |" in text
    assert '- warnings: ["x2 \\| skewed"]' in text  # a pipe in user text cannot break a table
    assert "| roc_auc | >= 0.99 |" in text
    assert "| region | south |" in text
    assert "### region: FAIL" in text
    assert "| x1 | 0.8000 |" in text  # global importance from the explanations
    assert "1 passed, 1 failed." in text
    assert "- **pipeline_run_id**: `pipe-7`" in text and '`{"C": 1.0}`' in text


def test_limitations_are_given_ones_plus_derived_ones() -> None:
    limitations = full_card().limitations
    assert limitations[0] == "Trained on one country only."
    joined = "\n".join(limitations)
    assert "Does not meet the success criterion roc_auc >= 0.99: missed" in joined
    assert "Did not pass the promotion gate" in joined
    assert "Fairness check failed: region: equalized_odds_difference" in joined
    assert "Worse on region = south (200 rows): accuracy" in joined
    assert "Possible shortcut: x2 <b>alone</b> predicts" in joined
    assert "Behavioural test failed: invariance 'x2 = 5.0'" in joined
    assert "Evaluated on only 600 rows" in joined
    assert len(limitations) == len(set(limitations))


def test_a_card_with_nothing_optional_still_has_every_section() -> None:
    card = build_model_card(model_name="m", version=None, report=minimal_report(), intended_use="")
    text = card.to_markdown()
    for section in SECTIONS:
        assert section in text
    assert "_Not stated._" in text and "_No dataset versions recorded._" in text
    assert "_Not evaluated._" in text and "_Not run._" in text and "_Not recorded._" in text
    assert card.title == "Model card: m"
    page = card.to_html()
    assert "* plotly.js v" not in page  # no figures: no 4.5 MB library either
    for section in ("intended-use", "data", "metrics", "limitations", "lineage"):
        assert f'id="{section}"' in page


def test_html_is_self_contained_and_escaped() -> None:
    page = full_card().to_html()
    assert page.count("* plotly.js v") == 1
    # the slices, one sensitive feature, one explanation figure
    assert page.count('class="figure"') == 3
    for section in ("intended-use", "data", "metrics", "criteria", "slices", "fairness",
                    "explanations", "behaviour", "limitations", "lineage"):  # fmt: skip
        assert f'id="{section}"' in page, section
    body = page.split("<body>", 1)[1]
    assert "https://" not in body and not re.search(r"(src|href)=", body)
    assert "x2 &lt;b&gt;alone&lt;/b&gt;" in body and "<b>alone</b>" not in body
    assert "Profile of customers v3 (train)" in body


def test_to_dict_is_json_ready() -> None:
    card = full_card()
    data = json.loads(json.dumps(card.to_dict(), allow_nan=False))
    assert data["format"] == "loopml.model_card" and data["version"] == 2
    assert data["data"][0]["profile"]["missing %"] == 0.5
    headline = scenario()["evaluation"].headline
    assert data["intervals"][headline] == list(scenario()["evaluation"].interval)
    assert data["limitations"] == card.limitations
    assert data["lineage"] == LINEAGE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model_name": ""}, "model_name must be a non-blank string"),
        ({"version": 0}, "version must be a positive integer or None"),
        ({"version": True}, "version must be a positive integer or None"),
        ({"report": {"metrics": {}}}, "report must be an EvaluationReport"),
        ({"intended_use": None}, "intended_use must be text"),
        ({"data": {"name": "x"}}, "data must be a list of mappings"),
        ({"data": ["customers"]}, "data must be a list of mappings"),
        ({"limitations": "only one"}, "limitations must be a list of sentences"),
        ({"lineage": ["run-1"]}, "lineage must be a mapping"),
    ],
)
def test_bad_card_input_is_refused(changes: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "model_name": "m",
        "version": 1,
        "report": minimal_report(),
        "intended_use": "x",
    }
    with pytest.raises(InvalidValueError, match=re.escape(message)):
        build_model_card(**(arguments | changes))


# -- stored on a registered version -------------------------------------------------------------


@pytest.fixture
def registered(stores: Stores) -> Stores:
    frame = scenario()["frame"]
    model = LogisticRegression().fit(frame[FEATURES], frame["target"])
    register_model(model, "churn", sample=frame[FEATURES].head(), stores=stores)
    register_model(model, "churn", sample=frame[FEATURES].head(), stores=stores)
    return stores


def test_save_and_load_a_card(registered: Stores) -> None:
    card = full_card(version=2)
    digests = save_model_card(card, stores=registered)
    markdown, html = card.to_markdown(), card.to_html()
    assert digests == {
        "markdown": sha256_bytes(markdown.encode()),
        "html": sha256_bytes(html.encode()),
    }
    tags = get_model_version("churn", 2, stores=registered).tags
    assert tags[MARKDOWN_TAG] == digests["markdown"] and tags[HTML_TAG] == digests["html"]
    assert load_model_card("churn", 2, stores=registered) == markdown
    assert load_model_card("churn", 2, stores=registered, fmt="html") == html
    updates = [d for a, d in audit_actions(registered) if a == "model_version.update"]
    assert updates[-1]["version"] == 2 and MARKDOWN_TAG in updates[-1]["tags"]["set"]


def test_load_refuses_bad_format_missing_version_and_a_version_without_card(
    registered: Stores,
) -> None:
    save_model_card(full_card(version=2), stores=registered)
    with pytest.raises(InvalidValueError, match="unknown card format 'pdf'"):
        load_model_card("churn", 2, stores=registered, fmt="pdf")
    with pytest.raises(NotFoundError, match="available: 1, 2"):
        load_model_card("churn", 9, stores=registered)
    with pytest.raises(NotFoundError, match=r"model card \(markdown\).*available: 2"):
        load_model_card("churn", 1, stores=registered)
    with pytest.raises(NotFoundError, match="model 'nope' not found"):
        load_model_card("nope", 1, stores=registered)
    with pytest.raises(InvalidValueError, match="version must be a positive integer"):
        load_model_card("churn", 0, stores=registered)


def test_save_refuses_a_card_without_version_or_for_a_missing_version(
    registered: Stores,
) -> None:
    with pytest.raises(InvalidValueError, match="has no version"):
        save_model_card(full_card(version=None), stores=registered)
    with pytest.raises(NotFoundError, match="available: 1, 2"):
        save_model_card(full_card(version=5), stores=registered)
    with pytest.raises(InvalidValueError, match="expected a ModelCard"):
        save_model_card("card", stores=registered)


def test_a_tampered_card_is_detected(registered: Stores) -> None:
    digest = save_model_card(full_card(version=2), stores=registered)["markdown"]
    path: Path = object_path(registered, digest)
    path.write_text("# Model card: churn v2\n\nAll good, ship it.\n")
    with pytest.raises(IntegrityError, match="corrupt"):
        load_model_card("churn", 2, stores=registered)


def test_intended_use_keeps_its_paragraphs() -> None:
    card = build_model_card(
        model_name="m",
        version=1,
        report=minimal_report(),
        intended_use="Rank customers.\n\nBusiness KPI:   retention\n+5%",
    )
    assert "## Intended use\n\nRank customers.\n\nBusiness KPI: retention +5%\n" in (
        card.to_markdown()
    )
    assert "<p>Rank customers.</p><p>Business KPI: retention +5%</p>" in card.to_html()
