"""The profile report in a real browser (Debian's Chromium): charts render, offline, no errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loopml.data import profile_dataset, write_profile_html
from tests._browser import open_watched

pytestmark = pytest.mark.browser


@pytest.fixture
def report(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = 2_000
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 12, rows).round(),
            "income": np.where(rng.random(rows) < 0.1, np.nan, rng.lognormal(10, 0.6, rows)),
            "plan": rng.choice(["basic", "plus", "pro"], rows, p=[0.6, 0.3, 0.1]),
            "city": rng.choice([f"city-{i}" for i in range(40)], rows),
            "constant": 1,
            "churned": rng.integers(0, 2, rows),
        }
    )
    frame["leak"] = frame["churned"]
    path = tmp_path / "report.html"
    write_profile_html(profile_dataset(frame, target="churned"), path)
    return path


def test_every_chart_renders_offline_without_errors(
    browser: Any, report: Path, tmp_path: Path
) -> None:
    watched = open_watched(browser, report)
    page, errors, outside = watched.page, watched.errors, watched.outside
    plots = page.locator("div.plot")
    count = plots.count()
    assert count >= 7  # missing values, correlations, target, and one per column at least
    for index in range(count):  # charts draw lazily as they scroll into view, as for a reader
        plots.nth(index).scroll_into_view_if_needed()
        plots.nth(index).locator(".main-svg").first.wait_for(timeout=15_000)
    rendered = page.locator("div.plot.js-plotly-plot").count()
    assert rendered == count
    assert errors == []
    assert outside == []  # the report works with no network at all
    text = page.inner_text("body")
    for column in ("age", "income", "plan", "city", "constant", "leak"):
        assert column in text
    assert "leak" in page.inner_text("#warnings")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    page.close()
