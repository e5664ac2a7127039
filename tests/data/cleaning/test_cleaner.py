"""The Cleaner: row steps on training data only, column steps identical at training and serving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures

from loopml.core import InvalidValueError
from loopml.data import (
    AddNoise,
    Cleaner,
    ClipOutliers,
    DateTimeParts,
    DropDuplicates,
    DropOutliers,
    ImputeMissing,
    OneHotEncode,
    OrdinalEncode,
    ScaleNumeric,
    SMOTEOversample,
    TargetEncode,
    make_cleaner,
)
from tests.data.cleaning.conftest import make_customers


def full_cleaner(*, cross_fit: bool = False) -> Cleaner:
    return Cleaner(
        [
            ("dates", DateTimeParts(parts=["month", "dayofweek", "hour"])),
            ("duplicates", DropDuplicates()),
            ("clip", ClipOutliers(["income"])),
            ("drop", DropOutliers(["age"], method="zscore", threshold=2.0)),
            ("impute", ImputeMissing(strategy="median", indicator=True)),
            ("impute_text", ImputeMissing("categorical", strategy="most_frequent")),
            ("scale", ScaleNumeric(method="robust")),
            ("smote", SMOTEOversample(k_neighbors=3)),
            ("noise", AddNoise(fraction=0.2)),
            ("ordinal", OrdinalEncode(["plan"], categories={"plan": ["free", "pro", "team"]})),
            ("visits_te", TargetEncode(["visits_band"], cross_fit=cross_fit)),
        ],
        target="churn",
    )


def with_bands(frame: pd.DataFrame) -> pd.DataFrame:
    bands = pd.cut(frame["visits"], [-1, 10, 20, 100], labels=["low", "mid", "high"])
    return frame.assign(visits_band=pd.array(bands.astype(str), dtype="str"))


def served_rows(cleaner: Cleaner, raw: pd.DataFrame) -> list[pd.DataFrame]:
    return [cleaner.transform(raw.iloc[[i]].drop(columns="churn")) for i in range(len(raw))]


def assert_training_rows_are_served_rows(
    cleaned: pd.DataFrame, served: list[pd.DataFrame], *, kept: int
) -> None:
    """The first ``kept`` cleaned rows equal, in order, a subsequence of the served rows."""
    features = cleaned.drop(columns="churn")
    position = 0
    for index in range(kept):
        training_row = features.iloc[[index]].reset_index(drop=True)
        while True:
            assert position < len(served), f"cleaned row {index} matches no serving row"
            candidate = served[position].reset_index(drop=True)
            position += 1
            if candidate.equals(training_row):
                break


def test_a_serving_row_is_cleaned_exactly_as_in_training() -> None:
    customers = with_bands(make_customers(rows=60))
    raw = pd.concat([customers, customers.iloc[:6]], ignore_index=True)
    cleaner = full_cleaner()
    cleaned = cleaner.fit_clean(raw)
    report = cleaner.report_
    kept = report.rows_in - report.rows_dropped
    assert report.rows_dropped >= 6 and report.rows_added > 0  # duplicates, outliers; SMOTE
    assert len(cleaned) == kept + report.rows_added
    assert_training_rows_are_served_rows(cleaned, served_rows(cleaner, raw), kept=kept)


def test_target_encoding_is_the_one_deliberate_difference() -> None:
    raw = with_bands(make_customers(rows=60))
    cleaner = full_cleaner(cross_fit=True)
    cleaned = cleaner.fit_clean(raw)
    kept = cleaner.report_.rows_in - cleaner.report_.rows_dropped
    served = served_rows(cleaner, raw)
    without_codes = [row.drop(columns="visits_band") for row in served]
    assert_training_rows_are_served_rows(
        cleaned.drop(columns="visits_band"), without_codes, kept=kept
    )
    served_codes = pd.concat(served)["visits_band"]
    assert not set(cleaned["visits_band"].iloc[:kept]) <= set(served_codes)  # out of fold


def test_transform_never_drops_or_adds_rows(customers: pd.DataFrame) -> None:
    cleaner = full_cleaner().fit(with_bands(customers))
    out = cleaner.transform(with_bands(customers))
    assert len(out) == len(customers)
    assert list(out.columns) == [*cleaner.get_feature_names_out(), "churn"]  # target passes


def test_a_row_from_json_is_converted_to_the_training_types(customers: pd.DataFrame) -> None:
    cleaner = make_cleaner(
        DateTimeParts(), ImputeMissing(strategy="median"), OneHotEncode(), target="churn"
    ).fit(customers)
    typed = customers.drop(columns="churn").iloc[[3]].reset_index(drop=True)
    typed.loc[0, "income"] = np.nan
    from_json = pd.DataFrame(
        [
            {
                "age": int(typed.loc[0, "age"]),
                "income": None,
                "visits": int(typed.loc[0, "visits"]),
                "plan": str(typed.loc[0, "plan"]),
                "signup": typed.loc[0, "signup"].isoformat(),
            }
        ]
    )
    pd.testing.assert_frame_equal(cleaner.transform(from_json), cleaner.transform(typed))


def test_transform_with_missing_or_unexpected_columns(customers: pd.DataFrame) -> None:
    cleaner = make_cleaner(ScaleNumeric(), target="churn").fit(customers)
    with pytest.raises(InvalidValueError, match=r"missing columns \['income'\]"):
        cleaner.transform(customers.drop(columns="income"))
    with pytest.raises(InvalidValueError, match=r"columns \['extra'\] the cleaner was not fitted"):
        cleaner.transform(customers.assign(extra=1))
    with pytest.raises(InvalidValueError, match="cannot read"):
        cleaner.transform(customers.assign(age="old"))


def test_composes_with_a_scikit_learn_model(customers: pd.DataFrame) -> None:
    X, y = customers.drop(columns="churn"), customers["churn"]
    cleaner = make_cleaner(
        DateTimeParts(),
        ImputeMissing(strategy="median"),
        ImputeMissing("categorical", strategy="most_frequent"),
        ScaleNumeric(),
        TargetEncode(["plan"]),
        PolynomialFeatures(degree=1),  # any scikit-learn transformer is a column step
    )
    model = Pipeline([("clean", cleaner), ("model", LogisticRegression())]).fit(X, y)
    assert model.predict(X.iloc[:5]).shape == (5,)
    assert [s.step for s in model.named_steps["clean"].report_.steps][-1] == "polynomialfeatures"
    assert clone(cleaner).get_params()["target"] is None


def test_steps_are_fitted_copies(customers: pd.DataFrame) -> None:
    scale = ScaleNumeric()
    cleaner = Cleaner([("scale", scale)], target="churn").fit(customers)
    assert not hasattr(scale, "scaler_")  # the parameter stays unfitted (estimator contract)
    assert cleaner.steps_[0][1].scaler_ is not None


def test_a_failing_step_is_named(customers: pd.DataFrame) -> None:
    cleaner = Cleaner([("wages", ScaleNumeric(["wage"]))], target="churn")
    with pytest.raises(InvalidValueError, match=r"cleaning step 'wages': ScaleNumeric: unknown"):
        cleaner.fit(customers)


def test_bad_cleaners(customers: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="target column 'label' is not in the data"):
        make_cleaner(ScaleNumeric(), target="label").fit(customers)
    with pytest.raises(InvalidValueError, match="neither transform"):
        make_cleaner(LogisticRegression()).fit(customers)
    with pytest.raises(InvalidValueError, match="unique"):
        Cleaner([("a", ScaleNumeric()), ("a", ScaleNumeric())]).fit(customers)
    with pytest.raises(InvalidValueError, match="do not pass y too"):
        make_cleaner(target="churn").fit(customers, customers["churn"])
    with pytest.raises(InvalidValueError, match="'steps' parameter"):
        Cleaner("scale").fit(customers)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="takes a pandas DataFrame"):
        make_cleaner(ScaleNumeric()).fit(customers.to_numpy())


def test_transform_before_fit(customers: pd.DataFrame) -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_cleaner(ScaleNumeric()).transform(customers)


def test_fit_transform_in_a_pipeline_keeps_target_encoding_out_of_fold(
    customers: pd.DataFrame,
) -> None:
    X, y = customers[["plan", "visits"]], customers["churn"]
    cleaner = make_cleaner(ImputeMissing("categorical", strategy="most_frequent"), TargetEncode())
    training = cleaner.fit_transform(X, y)
    serving = cleaner.transform(X)
    assert len(training) == len(X) and list(training.columns) == list(serving.columns)
    assert not np.allclose(training["plan"], serving["plan"])  # out of fold, like scikit-learn
    with_rows = make_cleaner(DropDuplicates(), ScaleNumeric(), target="churn")
    out = with_rows.fit_transform(customers.drop(columns="signup"))
    pd.testing.assert_frame_equal(out, with_rows.transform(customers.drop(columns="signup")))


def test_an_imbalanced_learn_sampler_is_a_row_step(customers: pd.DataFrame) -> None:
    from imblearn.under_sampling import RandomUnderSampler

    frame = customers[["age", "visits", "churn"]].fillna(0.0)
    cleaner = Cleaner(
        [("under", RandomUnderSampler(random_state=0)), ("scale", ScaleNumeric())], target="churn"
    )
    cleaned = cleaner.fit_clean(frame)
    minority = int(frame["churn"].sum())
    assert cleaned["churn"].value_counts().to_dict() == {0: minority, 1: minority}
    step = cleaner.report_.steps[0]
    assert (step.kind, step.rows_dropped) == ("rows", len(frame) - 2 * minority)
    assert len(cleaner.transform(frame)) == len(frame)
