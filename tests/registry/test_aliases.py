"""set_alias / delete_alias: create, move atomically, delete, audit, and bad input."""

from __future__ import annotations

import threading

import pytest
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError, NotFoundError
from loopml.registry import (
    delete_alias,
    get_model,
    get_model_version,
    register_model,
    set_alias,
)
from loopml.store import Stores
from tests.registry.conftest import audit_actions


@pytest.fixture
def three_versions(stores: Stores, pipeline: Pipeline) -> None:
    for _ in range(3):
        register_model(pipeline, "churn")


def test_an_alias_is_set_moved_and_deleted(stores: Stores, three_versions: None) -> None:
    assert set_alias("churn", "champion", version=1).aliases == ("champion",)
    set_alias("churn", "challenger", version="2")
    moved = set_alias("churn", "champion", version=3)
    assert moved.version == 3 and moved.aliases == ("champion",)
    assert get_model_version("churn", "champion").version == 3
    assert get_model_version("churn", 1).aliases == ()
    assert get_model("churn").aliases == {"challenger": 2, "champion": 3}
    delete_alias("churn", "challenger")
    assert get_model("churn").aliases == {"champion": 3}
    assert get_model_version("churn", 2).version == 2  # the version itself stays
    actions = [(a, d) for a, d in audit_actions(stores) if a.startswith("model_alias")]
    assert actions == [
        ("model_alias.set", {"model": "churn", "alias": "champion", "version": 1}),
        ("model_alias.set", {"model": "churn", "alias": "challenger", "version": 2}),
        (
            "model_alias.move",
            {"model": "churn", "alias": "champion", "version": 3, "from_version": 1},
        ),
        ("model_alias.delete", {"model": "churn", "alias": "challenger", "version": 2}),
    ]


def test_setting_an_alias_to_where_it_points_changes_nothing(
    stores: Stores, three_versions: None
) -> None:
    set_alias("churn", "champion", version=2)
    before = len(audit_actions(stores))
    set_alias("churn", "champion", version=2)
    assert len(audit_actions(stores)) == before


def test_concurrent_moves_leave_the_alias_on_one_of_the_versions(
    stores: Stores, three_versions: None
) -> None:
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def move(version: int) -> None:
        start.wait()
        try:
            set_alias("churn", "champion", version=version, stores=stores)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=move, args=(v,)) for v in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    final = get_model("churn").aliases["champion"]
    events = [d for a, d in audit_actions(stores) if a.startswith("model_alias")]
    assert [e.get("from_version") is None for e in events] == [True, False, False]
    assert events[-1]["version"] == final


@pytest.mark.parametrize(
    "alias", ["", "3", "latest", "LATEST", "-x", "has space", "a@b", "a/b", "x" * 65, 7, None]
)
def test_bad_alias_names_are_refused(stores: Stores, three_versions: None, alias: object) -> None:
    with pytest.raises(InvalidValueError, match="alias"):
        set_alias("churn", alias, version=1)  # type: ignore[arg-type]
    assert get_model("churn").aliases == {}


def test_unknown_model_version_or_alias_name_what_exists(
    stores: Stores, three_versions: None
) -> None:
    set_alias("churn", "champion", version=1)
    with pytest.raises(NotFoundError, match=r"model 'chrun' not found; available: churn"):
        set_alias("chrun", "champion", version=1)
    with pytest.raises(
        NotFoundError, match=r"model version 'churn/9' not found; available: 1, 2, 3"
    ):
        set_alias("churn", "champion", version=9)
    with pytest.raises(
        NotFoundError, match=r"alias 'churn@champoin' not found; available: champion"
    ):
        delete_alias("churn", "champoin")
    with pytest.raises(NotFoundError, match="model 'nope'"):
        delete_alias("nope", "champion")
    with pytest.raises(InvalidValueError, match="not a version number"):
        set_alias("churn", "champion", version=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="must be a number from 1"):
        set_alias("churn", "champion", version=0)
    assert get_model("churn").aliases == {"champion": 1}
