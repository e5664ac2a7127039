"""The HTML report: self-contained, one plot per column, warnings first, safe with odd names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from loopml.core import InvalidValueError
from loopml.data import Profile, profile_dataset, render_profile_html, write_profile_html


@pytest.fixture(scope="module")
def profile() -> Profile:
    rng = np.random.default_rng(4)
    rows = 1500
    target = rng.integers(0, 2, rows)
    frame = pd.DataFrame(
        {
            "amount": rng.lognormal(2.0, 1.2, rows),
            "age": rng.integers(18, 80, rows),
            "plan": rng.choice(["free", "pro", "team"], rows),
            "joined": pd.date_range("2023-01-01", periods=rows, freq="6h"),
            "active": rng.random(rows) < 0.5,
            "leak": target,
            "</script><script>alert(1)</script>": rng.choice(["<b>x</b>", "&amp;"], rows),
            "tags": [["a"]] * rows,
            "target": target,
        }
    )
    return profile_dataset(frame, target="target")


@pytest.fixture(scope="module")
def page(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> BeautifulSoup:
    path = write_profile_html(profile, tmp_path_factory.mktemp("report") / "nested" / "r.html")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_self_contained(page: BeautifulSoup) -> None:
    for tag in page.find_all(["script", "link", "img", "iframe"]):
        for attribute in ("src", "href"):
            assert not tag.get(attribute), f"{tag.name} loads {tag.get(attribute)}"
    scripts = [tag.string or "" for tag in page.find_all("script") if not tag.get("type")]
    assert sum("* plotly.js v" in script for script in scripts) == 1  # embedded once


def test_one_plot_per_column(page: BeautifulSoup, profile: Profile) -> None:
    plots = page.select('div.plot[data-plot="column"]')
    assert [plot["data-column"] for plot in plots] == [c.name for c in profile.columns]
    for plot in page.select("div.plot"):
        spec = json.loads(page.find(id=plot["data-figure"]).string)
        assert spec["data"] and "layout" in spec


def test_feature_against_target_plots(page: BeautifulSoup) -> None:
    columns = [plot["data-column"] for plot in page.select('div.plot[data-plot="column-target"]')]
    assert "amount" in columns and "plan" in columns and "target" not in columns
    assert page.select('div.plot[data-plot="correlations"]')
    assert page.select('div.plot[data-plot="association"]')


def test_warnings_come_first(page: BeautifulSoup) -> None:
    sections = page.select("main > section")
    assert sections[0]["id"] == "warnings"
    assert "leak alone predicts the target" in sections[0].get_text()


def test_names_and_values_cannot_break_out(page: BeautifulSoup) -> None:
    scripts = [tag.string or "" for tag in page.find_all("script") if not tag.get("type")]
    assert not any("alert(1)" in script for script in scripts)
    headings = [h.get_text() for h in page.find_all("h3")]
    assert any("</script><script>alert(1)</script>" in heading for heading in headings)


def test_report_is_reasonably_small(profile: Profile) -> None:
    html = render_profile_html(profile)
    plotly_js = 5_000_000
    assert len(html.encode()) < plotly_js + 300_000


def test_bad_destination(profile: Profile, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="is a folder"):
        write_profile_html(profile, tmp_path)
    with pytest.raises(InvalidValueError, match="expected a Profile"):
        write_profile_html({"columns": []}, tmp_path / "x.html")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_profile_read_back_from_json_renders(profile: Profile, tmp_path: Path) -> None:
    again = Profile.from_dict(json.loads(profile.to_json()))
    path = write_profile_html(again, tmp_path / "again.html", title="Customers")
    assert "<title>Customers</title>" in path.read_text(encoding="utf-8")
