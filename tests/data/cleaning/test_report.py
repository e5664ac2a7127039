"""The cleaning report: each step's changes, as a rich table and as JSON."""

from __future__ import annotations

import io
import json

import pandas as pd
from rich.console import Console

from loopml.data import (
    CleaningReport,
    ClipOutliers,
    DropDuplicates,
    ImputeMissing,
    OneHotEncode,
    make_cleaner,
)


def test_each_step_reports_what_it_changed(customers: pd.DataFrame) -> None:
    raw = pd.concat([customers, customers.iloc[:3]], ignore_index=True)
    cleaner = make_cleaner(
        DropDuplicates(),
        ClipOutliers(["income"]),
        ImputeMissing(strategy="median", indicator=True),
        OneHotEncode(["plan"]),
        target="churn",
    )
    cleaned = cleaner.fit_clean(raw)
    report = cleaner.report_
    duplicates, clip, impute, onehot = report.steps
    assert (duplicates.kind, duplicates.rows_dropped, duplicates.rows_out) == ("rows", 3, 120)
    assert clip.kind == "columns" and clip.values_clipped["income"] >= 1  # the typo, at least
    assert impute.values_imputed == {
        "age": 1,
        "income": int(customers["income"].isna().sum()),
    }
    assert impute.columns_added == ["age_missing", "income_missing"]
    assert onehot.columns_removed == ["plan"]
    assert onehot.columns_added == ["plan_free", "plan_pro", "plan_team", "plan_nan"]
    assert (report.rows_in, report.rows_out, report.rows_dropped) == (123, 120, 3)
    assert report.columns_out == list(cleaned.columns)
    assert report.values_imputed == sum(impute.values_imputed.values())


def test_json_round_trip_and_table(customers: pd.DataFrame) -> None:
    cleaner = make_cleaner(ImputeMissing(strategy="mean"), target="churn")
    cleaner.fit(customers)
    report = cleaner.report_
    data = json.loads(report.to_json())
    assert data["format"] == "loopml.cleaning-report/1"
    assert data["totals"]["values_imputed"] == report.values_imputed
    assert CleaningReport.from_dict(data) == report
    out = io.StringIO()
    Console(file=out, width=200).print(report)
    text = out.getvalue()
    assert "imputemissing (ImputeMissing)" in text
    assert "income: " in text and "120 rows x 5 columns" in text
