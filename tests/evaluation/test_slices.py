"""slice_metrics: metrics equal sklearn's; only clearly, reliably worse slices are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import slice_metrics


@pytest.fixture
def predictions() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    rows = 3000
    frame = pd.DataFrame(
        {
            "region": pd.Series(rng.choice(["north", "south", "east"], rows), dtype="str"),
            "age_band": rng.choice([1, 2], rows),
            "tiny": np.where(np.arange(rows) < 10, "rare", "common"),
        }
    )
    frame.loc[5, "region"] = None
    truth = rng.integers(0, 2, rows)
    # The model is right 90 % of the time, but only 60 % in the east.
    right = np.where(frame["region"] == "east", rng.random(rows) < 0.6, rng.random(rows) < 0.9)
    predicted = np.where(right, truth, 1 - truth)
    return frame, truth, predicted


def test_values_equal_sklearn_and_the_weak_slice_is_flagged(predictions) -> None:  # type: ignore[no-untyped-def]
    frame, truth, predicted = predictions
    result = slice_metrics(
        frame, truth, predicted, columns=["region", "age_band"], n_resamples=200, flag_drop=0.05
    )
    overall = skm.accuracy_score(truth, predicted)
    assert (result["overall"] == overall).all()
    for row in result.itertuples():
        if row.value == "<missing>":
            mask = frame[row.column].isna().to_numpy()
        else:
            mask = (frame[row.column] == row.value).to_numpy()
        assert row.rows == mask.sum()
        assert row.score == pytest.approx(
            skm.accuracy_score(truth[mask], predicted[mask]), abs=1e-12
        )
    flagged = result[result["flagged"]]
    assert flagged[["column", "value"]].values.tolist() == [["region", "east"]]
    missing = result[result["value"] == "<missing>"].iloc[0]
    assert missing["rows"] == 1 and not missing["flagged"] and np.isnan(missing["low"])


def test_small_slices_are_never_flagged(predictions) -> None:  # type: ignore[no-untyped-def]
    frame, truth, predicted = predictions
    predicted = predicted.copy()
    predicted[:10] = 1 - truth[:10]  # the rare slice is always wrong
    result = slice_metrics(frame, truth, predicted, columns=["tiny"], min_rows=30, n_resamples=50)
    rare = result[result["value"] == "rare"].iloc[0]
    assert rare["score"] == 0.0 and not rare["flagged"]
    flagged = slice_metrics(frame, truth, predicted, columns=["tiny"], min_rows=5, n_resamples=50)
    assert flagged.loc[flagged["value"] == "rare", "flagged"].item()


def test_error_metrics_flag_slices_with_larger_errors() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"site": np.repeat(["a", "b", "c"], 200)})
    truth = rng.normal(0, 1, 600)
    noise = np.where(frame["site"] == "c", 3.0, 0.5)
    predicted = truth + rng.normal(0, 1, 600) * noise
    result = slice_metrics(frame, truth, predicted, columns=["site"], metric="mae", n_resamples=100)
    assert result.loc[result["flagged"], "value"].tolist() == ["c"]
    c_rows = (frame["site"] == "c").to_numpy()
    score = result.loc[result["value"] == "c", "score"].item()
    assert score == pytest.approx(
        skm.mean_absolute_error(truth[c_rows], predicted[c_rows]), abs=1e-12
    )


def test_undefined_slice_metric_is_nan_not_an_error() -> None:
    frame = pd.DataFrame({"group": ["a"] * 40 + ["b"] * 40})
    truth = np.r_[np.zeros(40, dtype=int), np.tile([0, 1], 20)]
    scores = np.linspace(0, 1, 80)
    result = slice_metrics(
        frame, truth, scores, columns=["group"], metric="roc_auc", n_resamples=50
    )
    slice_a = result[result["value"] == "a"].iloc[0]
    assert np.isnan(slice_a["score"]) and not slice_a["flagged"]


def test_bad_input_is_named(predictions) -> None:  # type: ignore[no-untyped-def]
    frame, truth, predicted = predictions
    with pytest.raises(InvalidValueError, match="not in the frame"):
        slice_metrics(frame, truth, predicted, columns=["nope"])
    with pytest.raises(InvalidValueError, match="non-empty list"):
        slice_metrics(frame, truth, predicted, columns="region")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="different lengths"):
        slice_metrics(frame.iloc[:10], truth, predicted, columns=["region"])
    with pytest.raises(InvalidValueError, match="unknown metric"):
        slice_metrics(frame, truth, predicted, columns=["region"], metric="auc")
    with pytest.raises(InvalidValueError, match="min_rows"):
        slice_metrics(frame, truth, predicted, columns=["region"], min_rows=0)
    with pytest.raises(InvalidValueError, match="flag_drop"):
        slice_metrics(frame, truth, predicted, columns=["region"], flag_drop=-0.1)
    with pytest.raises(InvalidValueError, match="DataFrame"):
        slice_metrics(truth, truth, predicted, columns=["region"])  # type: ignore[arg-type]
