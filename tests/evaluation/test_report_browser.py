"""The evaluation report and the model card in a real browser (Debian's Chromium): every plot
renders, offline, with no errors and no request leaving the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests._browser import open_watched
from tests.evaluation.test_model_card import full_card
from tests.evaluation.test_report import full_report, minimal_report

pytestmark = pytest.mark.browser


def _open(browser: Any, page_html: str, path: Path) -> tuple[Any, list[str], list[str]]:
    path.write_text(page_html, encoding="utf-8")
    watched = open_watched(browser, path)
    return watched.page, watched.errors, watched.outside


def _all_plots_render(page: Any, expected: int) -> None:
    plots = page.locator("div.plotly-graph-div")
    assert plots.count() == expected
    for index in range(expected):
        plots.nth(index).scroll_into_view_if_needed()
        plots.nth(index).locator(".main-svg").first.wait_for(timeout=15_000)
    assert page.locator(".js-plotly-plot").count() == expected


def test_full_report_renders_offline_without_errors(browser: Any, tmp_path: Path) -> None:
    page, errors, outside = _open(browser, full_report().to_html(), tmp_path / "report.html")
    _all_plots_render(page, 8)
    assert errors == []
    assert outside == []
    summary = page.inner_text("#summary")
    assert "roc_auc" in summary and "FAILED" in summary
    assert "south" in page.inner_text("#slices")
    assert page.locator("tr.flagged").count() == 1
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    page.close()


def test_minimal_report_and_model_card_render(browser: Any, tmp_path: Path) -> None:
    page, errors, outside = _open(browser, minimal_report().to_html(), tmp_path / "plain.html")
    _all_plots_render(page, 4)
    assert errors == [] and outside == []
    page.close()
    page, errors, outside = _open(browser, full_card().to_html(), tmp_path / "card.html")
    _all_plots_render(page, 3)
    assert errors == [] and outside == []
    assert "Trained on one country only." in page.inner_text("#limitations")
    page.close()
