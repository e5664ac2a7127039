"""Encoding: one-hot with unseen categories, ordinal in a given order, target encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import TargetEncoder

from loopml.core import InvalidValueError
from loopml.data import OneHotEncode, OrdinalEncode, TargetEncode


@pytest.fixture
def plans() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "plan": pd.array(rng.choice(["free", "pro", "team"], 60), dtype="str"),
            "size": pd.array(rng.choice(["S", "M", "L"], 60), dtype="str"),
            "spend": rng.normal(100, 20, 60),
        }
    )


def test_one_hot_columns_replace_the_source_at_the_end(plans: pd.DataFrame) -> None:
    step = OneHotEncode(["plan"]).fit(plans)
    out = step.transform(plans)
    assert list(out.columns) == ["size", "spend", "plan_free", "plan_pro", "plan_team"]
    assert (out[["plan_free", "plan_pro", "plan_team"]].sum(axis=1) == 1).all()
    assert list(step.get_feature_names_out()) == list(out.columns)


def test_one_hot_unseen_category_is_all_zeros(plans: pd.DataFrame) -> None:
    step = OneHotEncode(["plan"]).fit(plans)
    row = step.transform(pd.DataFrame({"plan": ["enterprise"], "size": ["S"], "spend": [1.0]}))
    assert row[["plan_free", "plan_pro", "plan_team"]].to_numpy().tolist() == [[0.0, 0.0, 0.0]]


def test_one_hot_missing_is_a_category_and_defaults_pick_text(plans: pd.DataFrame) -> None:
    frame = plans.assign(plan=plans["plan"].where(plans.index != 0))
    out = OneHotEncode().fit_transform(frame)
    assert "plan_nan" in out.columns and out.loc[0, "plan_nan"] == 1.0
    assert {"size_S", "size_M", "size_L"} <= set(out.columns)  # every text column by default


def test_infrequent_categories(plans: pd.DataFrame) -> None:
    frame = plans.assign(plan=["rare", *plans["plan"].iloc[1:]])
    out = OneHotEncode(["plan"], handle_unknown="infrequent_if_exist", min_frequency=2)
    encoded = out.fit_transform(frame)
    assert "plan_infrequent_sklearn" in encoded.columns


def test_ordinal_in_the_given_order_with_unknown_values(plans: pd.DataFrame) -> None:
    step = OrdinalEncode(categories={"size": ["S", "M", "L"]}).fit(plans)
    assert step.columns_ == ["size"]
    out = step.transform(
        pd.DataFrame({"plan": ["free"] * 3, "size": ["L", "S", "XL"], "spend": 1.0})
    )
    assert out["size"].tolist() == [2.0, 0.0, -1.0]
    assert list(out.columns) == list(plans.columns)  # codes stay in place


def test_ordinal_without_categories_for_a_column(plans: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"no categories given for \['plan'\]"):
        OrdinalEncode(["plan", "size"], categories={"size": ["S", "M", "L"]}).fit(plans)


def test_target_encoding_matches_scikit_learn(plans: pd.DataFrame) -> None:
    y = pd.Series((plans["spend"] > 100).astype(int))
    step = TargetEncode(["plan"]).fit(plans, y)
    expected = TargetEncoder().fit(plans[["plan"]].astype(object), y)
    serving = step.transform(plans)
    np.testing.assert_allclose(
        serving["plan"], expected.transform(plans[["plan"]].astype(object))[:, 0]
    )


def test_target_encoding_training_rows_out_of_fold(plans: pd.DataFrame) -> None:
    y = (plans["spend"] > 100).astype(int)
    cross = TargetEncode(["plan"]).fit_transform(plans, y)
    step = TargetEncode(["plan"], cross_fit=False)
    plain = step.fit_transform(plans, y)
    assert not np.allclose(cross["plan"], plain["plan"])  # own target kept out of own feature
    np.testing.assert_allclose(plain["plan"], step.transform(plans)["plan"])


def test_target_encoding_multiclass_gives_a_column_per_class(plans: pd.DataFrame) -> None:
    y = pd.Series(np.resize(["a", "b", "c"], len(plans)))
    out = TargetEncode(["plan"]).fit_transform(plans, y)
    assert [c for c in out.columns if c.startswith("plan")] == ["plan_a", "plan_b", "plan_c"]


def test_target_encoding_without_a_target(plans: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="TargetEncode needs the target"):
        TargetEncode(["plan"]).fit(plans)
    with pytest.raises(InvalidValueError, match="needs the target"):
        TargetEncode(["plan"]).fit_transform(plans)


def test_bad_input(plans: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="'handle_unknown' parameter"):
        OneHotEncode(handle_unknown="error").fit(plans)
    with pytest.raises(InvalidValueError, match="unknown columns"):
        OneHotEncode(["nope"]).fit(plans)
    clash = plans.assign(plan_free=1.0)
    with pytest.raises(InvalidValueError, match=r"\['plan_free'\] would replace"):
        OneHotEncode(["plan"]).fit(clash)
    with pytest.raises(InvalidValueError, match="lacks columns"):
        OneHotEncode(["plan"]).fit(plans).transform(plans.drop(columns="plan"))
