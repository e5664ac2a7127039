"""A validation schema kept with a dataset version, and found again to check new data."""

from __future__ import annotations

import pandas as pd
import pytest

import loopml
from loopml.core import DataValidationError
from loopml.data import attach_schema, infer_schema, stored_schema, validate
from loopml.store import Stores


@pytest.fixture
def versions(stores: Stores) -> tuple[loopml.DatasetVersion, loopml.DatasetVersion]:
    train = loopml.log_dataset(
        pd.DataFrame({"age": [20, 35, 50, 64], "plan": ["a", "b", "a", "b"]}), name="people"
    )
    new = loopml.log_dataset(
        pd.DataFrame({"age": [25, 130, 40, 33], "plan": ["a", "z", "b", "a"]}), name="people"
    )
    return train, new


def test_no_schema_until_one_is_attached(versions: tuple) -> None:  # type: ignore[type-arg]
    assert stored_schema(versions[1]) is None


def test_a_new_version_is_checked_against_the_schema_of_an_earlier_one(
    versions: tuple,  # type: ignore[type-arg]
) -> None:
    train, new = versions
    updated = attach_schema(train, infer_schema(train))
    assert updated.schema_digest is not None and updated.version == train.version
    schema, holder = stored_schema(new)  # type: ignore[misc]
    assert holder.version == train.version
    report = validate(new, list(schema.expectations()))
    assert not report.passed
    assert {r.column for r in report.failures} >= {"age", "plan"}
    with pytest.raises(DataValidationError, match="validation failed") as caught:
        report.raise_if_failed()
    assert caught.value.report is report


def test_the_version_own_schema_wins(versions: tuple) -> None:  # type: ignore[type-arg]
    train, new = versions
    attach_schema(train, infer_schema(train))
    attach_schema(new, infer_schema(new))
    assert stored_schema(new)[1].version == new.version  # type: ignore[index]
    assert stored_schema(train)[1].version == train.version  # type: ignore[index]


def test_attaching_is_audited(stores: Stores, versions: tuple) -> None:  # type: ignore[type-arg]
    import sqlalchemy as sa

    from loopml.store.models import AuditEventRow

    attach_schema(versions[0], infer_schema(versions[0]))
    with stores.metadata.session() as session:
        actions = session.scalars(sa.select(AuditEventRow.action)).all()
    assert "dataset.version.schema" in actions
