"""get_model, list_models, get_model_version, list_model_versions: lookups and their errors."""

from __future__ import annotations

import pytest
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError, NotFoundError
from loopml.registry import (
    Model,
    ModelVersion,
    get_model,
    get_model_version,
    list_model_versions,
    list_models,
    register_model,
    set_alias,
)
from loopml.store import Stores


def test_models_are_listed_by_name_with_aliases_and_latest_version(
    stores: Stores, pipeline: Pipeline
) -> None:
    assert list_models() == []
    register_model(pipeline, "zeta")
    register_model(pipeline, "alpha", aliases=["champion"])
    register_model(pipeline, "alpha")
    listed = list_models()
    assert [m.name for m in listed] == ["alpha", "zeta"]
    assert listed[0].aliases == {"champion": 1} and listed[0].latest_version == 2
    assert listed[1].aliases == {} and listed[1].latest_version == 1
    assert get_model("alpha") == listed[0]
    assert isinstance(listed[0], Model)


def test_a_version_is_found_by_number_text_latest_or_alias(
    stores: Stores, pipeline: Pipeline
) -> None:
    for _ in range(3):
        register_model(pipeline, "churn")
    set_alias("churn", "champion", version=2)
    by_number = get_model_version("churn", 2)
    assert isinstance(by_number, ModelVersion)
    assert get_model_version("churn", "2") == by_number
    assert get_model_version("churn", "champion") == by_number
    assert get_model_version("churn", "latest").version == 3
    assert by_number.uri == "models:/churn/2"
    versions = list_model_versions("churn")
    assert [(v.version, v.aliases) for v in versions] == [(1, ()), (2, ("champion",)), (3, ())]


def test_unknown_names_list_what_exists_closest_first(stores: Stores, pipeline: Pipeline) -> None:
    for name in ("aardvark", "churn", "churn-eu"):
        register_model(pipeline, name)
    with pytest.raises(NotFoundError, match=r"model 'chrun' not found; available: churn, ") as info:
        get_model("chrun")
    assert info.value.available is not None and set(info.value.available) == {
        "aardvark",
        "churn",
        "churn-eu",
    }
    with pytest.raises(NotFoundError, match="model 'x'"):
        list_model_versions("x")
    with pytest.raises(NotFoundError, match=r"model version 'churn/4' not found; available: 1$"):
        get_model_version("churn", 4)
    with pytest.raises(
        NotFoundError, match=r"alias 'churn@champion' not found; available: \(none\)"
    ):
        get_model_version("churn", "champion")


@pytest.mark.parametrize("reference", [0, -1, 1.0, "bad alias", "", True])
def test_malformed_version_references_are_refused(
    stores: Stores, pipeline: Pipeline, reference: object
) -> None:
    register_model(pipeline, "churn")
    with pytest.raises(InvalidValueError):
        get_model_version("churn", reference)  # type: ignore[arg-type]


def test_a_malformed_model_name_is_refused(stores: Stores) -> None:
    with pytest.raises(InvalidValueError, match="model name"):
        get_model("no/slashes")
