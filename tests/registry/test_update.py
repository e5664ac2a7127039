"""update_model / update_model_version: descriptions and tags, audited, no-ops write nothing."""

from __future__ import annotations

import pytest
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError, NotFoundError
from loopml.registry import (
    get_model,
    get_model_version,
    register_model,
    update_model,
    update_model_version,
)
from loopml.store import Stores
from tests.registry.conftest import audit_actions


def test_a_model_description_and_tags_change(stores: Stores, pipeline: Pipeline) -> None:
    register_model(pipeline, "churn")
    updated = update_model("churn", description="predicts churn", tags={"team": "risk", "p": 1})
    assert updated.description == "predicts churn"
    assert updated.tags == {"team": "risk", "p": "1"}
    merged = update_model("churn", tags={"team": "growth", "p": None, "gone": None})
    assert merged.tags == {"team": "growth"}
    assert merged.description == "predicts churn"
    assert get_model("churn") == merged
    updates = [d for a, d in audit_actions(stores) if a == "model.update"]
    assert updates == [
        {
            "model": "churn",
            "description": {"from": "", "to": "predicts churn"},
            "tags": {"set": {"team": "risk", "p": "1"}, "removed": []},
        },
        {"model": "churn", "tags": {"set": {"team": "growth"}, "removed": ["p"]}},
    ]


def test_a_version_description_and_tags_change(stores: Stores, pipeline: Pipeline) -> None:
    register_model(pipeline, "churn", tags={"stage": "dev"})
    register_model(pipeline, "churn")
    updated = update_model_version("churn", 1, description="baseline", tags={"stage": "prod"})
    assert (updated.description, updated.tags) == ("baseline", {"stage": "prod"})
    assert get_model_version("churn", 1) == updated
    assert get_model_version("churn", 2).tags == {}
    assert [a for a, _ in audit_actions(stores)].count("model_version.update") == 1


def test_an_update_that_changes_nothing_writes_nothing(stores: Stores, pipeline: Pipeline) -> None:
    register_model(pipeline, "churn", tags={"a": "1"})
    update_model("churn", description="d")
    before = audit_actions(stores)
    update_model("churn", description="d", tags={"missing": None})
    update_model_version("churn", 1, tags={"a": "1"})
    update_model("churn")
    assert audit_actions(stores) == before


def test_updates_of_unknown_records_and_bad_values_are_refused(
    stores: Stores, pipeline: Pipeline
) -> None:
    register_model(pipeline, "churn")
    with pytest.raises(NotFoundError, match="model 'fraud' not found; available: churn"):
        update_model("fraud", description="x")
    with pytest.raises(NotFoundError, match="model version 'churn/2' not found; available: 1"):
        update_model_version("churn", 2, description="x")
    with pytest.raises(InvalidValueError, match="description must be a string"):
        update_model("churn", description=["x"])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="tag name"):
        update_model_version("churn", 1, tags={"\n": "x"})
    with pytest.raises(InvalidValueError, match="tags must be a mapping"):
        update_model("churn", tags=["a"])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="not a version number"):
        update_model_version("churn", "champion", description="x")
    assert get_model("churn").description == ""
