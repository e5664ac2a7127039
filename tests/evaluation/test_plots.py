"""The evaluation figures carry the right numbers; figures_to_html writes one offline page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import (
    calibration_figure,
    confusion_matrix_figure,
    figures_to_html,
    pr_figure,
    predicted_vs_actual_figure,
    residuals_figure,
    roc_figure,
    threshold_figure,
)
from tests._browser import open_watched

RNG = np.random.default_rng(0)
TRUTH = RNG.integers(0, 2, 300)
SCORES = np.clip(TRUTH * 0.3 + RNG.random(300) * 0.7, 0, 1)
PREDICTED = (SCORES >= 0.5).astype(int)
MULTI_TRUTH = RNG.integers(0, 3, 300)
MULTI_PROBA = RNG.dirichlet([1, 1, 1], 300)


def test_confusion_matrix_counts_and_shares() -> None:
    counts = confusion_matrix_figure(TRUTH, PREDICTED)
    np.testing.assert_array_equal(counts.data[0].z, skm.confusion_matrix(TRUTH, PREDICTED))
    shares = confusion_matrix_figure(TRUTH, PREDICTED, normalize=True)
    np.testing.assert_allclose(np.asarray(shares.data[0].z).sum(axis=1), 1.0, atol=1e-12)
    assert "share" in shares.layout.title.text


def test_roc_and_pr_show_the_areas_in_the_legend() -> None:
    roc = roc_figure(TRUTH, SCORES)
    assert f"{skm.roc_auc_score(TRUTH, SCORES):.3f}" in roc.data[0].name
    pr = pr_figure(TRUTH, SCORES)
    assert f"{skm.average_precision_score(TRUTH, SCORES):.3f}" in pr.data[0].name
    multi = roc_figure(MULTI_TRUTH, MULTI_PROBA)
    assert [trace.name.split(" ")[0] for trace in multi.data[:3]] == ["0", "1", "2"]
    assert len(pr_figure(MULTI_TRUTH, MULTI_PROBA).data) == 3


def test_calibration_threshold_and_regression_figures() -> None:
    calibration = calibration_figure(TRUTH, SCORES, n_bins=5)
    assert len(calibration.data) == 2 and len(calibration.data[0].x) <= 5
    curve = threshold_figure(TRUTH, SCORES, chosen=0.5)
    assert {trace.name for trace in curve.data} == {"precision", "recall", "F1"}
    truth = RNG.normal(size=100)
    predicted = truth + RNG.normal(size=100) * 0.1
    residuals = residuals_figure(truth, predicted)
    np.testing.assert_allclose(residuals.data[0].y, truth - predicted, atol=1e-12)
    versus = predicted_vs_actual_figure(truth, predicted)
    assert len(versus.data) == 2


def test_figures_to_html_embeds_plotly_once(tmp_path: Path) -> None:
    figures = [
        roc_figure(TRUTH, SCORES),
        pr_figure(TRUTH, SCORES),
        confusion_matrix_figure(TRUTH, PREDICTED),
    ]
    path = figures_to_html(figures, tmp_path / "out" / "report.html", title="Eval <1>")
    text = path.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1  # the bundle's banner: embedded exactly once
    assert '<script src="http' not in text and "<script src='http" not in text
    assert "Eval &lt;1&gt;" in text
    assert text.count('class="figure"') == 3
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_bad_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="single class"):
        roc_figure([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(InvalidValueError, match="outside"):
        pr_figure([0, 1, 1], [0.2, 3.0, 0.4])
    with pytest.raises(InvalidValueError, match="columns for 2 classes"):
        calibration_figure([0, 1, 1], MULTI_PROBA[:3])
    with pytest.raises(InvalidValueError, match="n_bins"):
        calibration_figure(TRUTH, SCORES, n_bins=1)
    with pytest.raises(InvalidValueError, match="different lengths"):
        residuals_figure([1.0, 2.0], [1.0])
    with pytest.raises(InvalidValueError, match="missing"):
        confusion_matrix_figure([0, None, 1], [0, 1, 1])
    with pytest.raises(InvalidValueError, match="at least one figure"):
        figures_to_html([], tmp_path / "x.html", title="t")
    with pytest.raises(InvalidValueError, match="not a plotly Figure"):
        figures_to_html([go.Figure(), "nope"], tmp_path / "x.html", title="t")  # type: ignore[list-item]
    assert not (tmp_path / "x.html").exists()


@pytest.mark.browser
def test_the_page_renders_every_figure_offline_in_chromium(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    figures = [
        confusion_matrix_figure(TRUTH, PREDICTED),
        roc_figure(MULTI_TRUTH, MULTI_PROBA),
        calibration_figure(TRUTH, SCORES),
        threshold_figure(TRUTH, SCORES, chosen=0.5),
        residuals_figure(SCORES, SCORES * 0.9),
    ]
    path = figures_to_html(figures, tmp_path / "report.html", title="Evaluation")
    watched = open_watched(browser, path, width=1200)
    page, errors, outside = watched.page, watched.errors, watched.outside
    page.locator("div.js-plotly-plot .main-svg").first.wait_for(timeout=15_000)
    assert page.locator("div.js-plotly-plot").count() == len(figures)
    assert errors == []
    assert outside == []
    page.close()
