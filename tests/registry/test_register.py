"""register_model: numbering, run lineage, aliases, audit, concurrency, and all-or-nothing."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError, NotFoundError
from loopml.registry import get_model, list_model_versions, register_model
from loopml.store import Stores
from loopml.tracking import Run, get_run
from tests.registry.conftest import audit_actions, row_counts


def test_versions_are_numbered_per_model(stores: Stores, pipeline: Pipeline) -> None:
    first = register_model(pipeline, "churn")
    second = register_model(pipeline, "churn")
    other = register_model(pipeline, "fraud")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.name == "churn" and first.flavor == "sklearn"
    assert get_model("churn").latest_version == 2
    assert [v.version for v in list_model_versions("churn")] == [1, 2]


def test_a_version_from_a_run_records_its_lineage_and_metrics(
    stores: Stores,
    pipeline: Pipeline,
    churn_data: tuple[pd.DataFrame, np.ndarray],
    finished_run: Callable[..., Run],
) -> None:
    run = finished_run({"auc": 0.91, "loss": math.nan, "gain": math.inf})
    frame, _ = churn_data
    version = register_model(
        pipeline,
        "churn",
        run=run,
        sample=frame.head(5),
        description="first try",
        tags={"team": "risk", "trees": 0},
    )
    assert version.source_run_id == run.id
    assert version.metrics["auc"] == 0.91 and version.metrics["gain"] == math.inf
    assert math.isnan(version.metrics["loss"])
    assert version.description == "first try"
    assert version.tags == {"team": "risk", "trees": "0"}
    assert [i["name"] for i in version.signature["inputs"]] == ["tenure", "spend"]
    artifacts = {a.path: a.digest for a in get_run(run.id).artifacts}
    assert artifacts == {"model/churn/1": version.artifact_digest}
    # the run may be given by id too, and a run can produce several versions
    again = register_model(pipeline, "churn", run=run.id)
    assert again.source_run_id == run.id
    assert {a.path for a in get_run(run.id).artifacts} == {"model/churn/1", "model/churn/2"}


def test_aliases_given_at_registration_point_at_the_new_version(
    stores: Stores, pipeline: Pipeline
) -> None:
    register_model(pipeline, "churn", aliases=["champion"])
    second = register_model(pipeline, "churn", aliases=("champion", "challenger", "champion"))
    assert second.aliases == ("challenger", "champion")
    assert get_model("churn").aliases == {"challenger": 2, "champion": 2}
    third = register_model(pipeline, "churn", aliases="canary")  # one alias, not six letters
    assert third.aliases == ("canary",)


def test_every_change_is_audited(stores: Stores, pipeline: Pipeline) -> None:
    register_model(pipeline, "churn", aliases=["champion"])
    register_model(pipeline, "churn", aliases=["champion"])
    actions = audit_actions(stores)
    assert [action for action, _ in actions] == [
        "model.create",
        "model_version.create",
        "model_alias.set",
        "model_version.create",
        "model_alias.move",
    ]
    assert actions[4][1] == {
        "model": "churn",
        "alias": "champion",
        "version": 2,
        "from_version": 1,
    }


def test_concurrent_registrations_get_distinct_consecutive_versions(
    stores: Stores, pipeline: Pipeline
) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def register() -> None:
        start.wait()
        try:
            results.append(register_model(pipeline, "busy", stores=stores).version)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [1, 2, 3, 4]
    assert [a for a, _ in audit_actions(stores)].count("model.create") == 1


def test_an_unknown_run_leaves_nothing_behind(stores: Stores, pipeline: Pipeline) -> None:
    with pytest.raises(NotFoundError, match="run 'no-such-run' not found"):
        register_model(pipeline, "churn", run="no-such-run", aliases=["champion"])
    assert row_counts(stores) == {"models": 0, "versions": 0, "aliases": 0}
    assert audit_actions(stores) == []


class _Unsavable(Pipeline):
    """A pipeline carrying a generator, which skops cannot write."""


def test_a_model_that_cannot_be_saved_leaves_nothing_behind(
    stores: Stores, pipeline: Pipeline
) -> None:
    register_model(pipeline, "churn")
    broken = _Unsavable(pipeline.steps)
    broken.cache_ = (i for i in range(3))  # type: ignore[attr-defined]
    with pytest.raises(InvalidValueError, match="cannot save _Unsavable with skops"):
        register_model(broken, "churn")
    with pytest.raises(InvalidValueError, match="cannot save"):
        register_model(broken, "new-model")
    assert row_counts(stores) == {"models": 1, "versions": 1, "aliases": 0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "has space"}, "model name 'has space' must be"),
        ({"name": "a/b"}, "model name"),
        ({"name": ""}, "model name"),
        ({"name": "churn", "aliases": ["1"]}, "alias '1' must be"),
        ({"name": "churn", "aliases": ["latest"]}, "reserved"),
        ({"name": "churn", "aliases": ["bad alias"]}, "alias 'bad alias'"),
        ({"name": "churn", "tags": {"": "x"}}, "tag name"),
        ({"name": "churn", "tags": {"a": None}}, "None removes a tag only"),
        ({"name": "churn", "tags": {"a": [1]}}, "must be a string"),
        ({"name": "churn", "description": 3}, "description must be a string"),
        ({"name": "churn", "flavor": "onnx"}, "unknown flavor 'onnx'; available"),
        ({"name": "churn", "run": 42}, "run must be a Run or a run id"),
        ({"name": "churn", "sample": "rows"}, "sample must be a pandas DataFrame"),
        ({"name": "churn", "sample": pd.DataFrame({"x": [1]})}, "cannot predict on the sample"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    stores: Stores, pipeline: Pipeline, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        register_model(pipeline, **kwargs)
    assert row_counts(stores) == {"models": 0, "versions": 0, "aliases": 0}


@pytest.mark.parametrize("thing", [{"weights": [1, 2]}, print, np.ones(3), None])
def test_objects_no_flavor_can_save_are_refused(stores: Stores, thing: object) -> None:
    with pytest.raises(InvalidValueError, match="no flavor can save"):
        register_model(thing, "churn")
    assert row_counts(stores)["models"] == 0
