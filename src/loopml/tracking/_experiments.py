"""Experiments: named groups of runs, created on first use."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loopml.core import ConflictError, InvalidValueError, NotFoundError, now_ms
from loopml.store import Stores, default_stores, ensure_named_row
from loopml.store.models import ExperimentRow
from loopml.tracking._records import Experiment

_NAME_RE = re.compile(r"^[^\x00-\x1f/]{1,255}$")


def check_experiment_name(name: object) -> str:
    """Return ``name`` if it can name an experiment, else raise :class:`InvalidValueError`."""
    if not isinstance(name, str) or not name.strip() or not _NAME_RE.match(name):
        raise InvalidValueError(
            f"experiment name {name!r} must be 1-255 characters without '/' or control characters"
        )
    return name


def _to_record(row: ExperimentRow) -> Experiment:
    return Experiment(
        id=row.id, name=row.name, description=row.description, created_at=row.created_at
    )


def experiment_row_for_update(session: Session, name: str) -> ExperimentRow:
    """The experiment called ``name`` in this write transaction, created when missing."""
    row, _created = _ensure_experiment(session, name, description="")
    return row


def _ensure_experiment(
    session: Session, name: str, *, description: str
) -> tuple[ExperimentRow, bool]:
    return ensure_named_row(
        session,
        ExperimentRow,
        name,
        values={"description": description, "created_at": now_ms()},
        audit_action="experiment.create",
        entity_type="experiment",
    )


def get_experiment(name: str, *, stores: Stores | None = None) -> Experiment:
    """The experiment called ``name``.

    Raises:
        NotFoundError: no such experiment (the message lists the existing ones).
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        row = session.scalar(sa.select(ExperimentRow).where(ExperimentRow.name == name))
        if row is None:
            names = session.scalars(sa.select(ExperimentRow.name).order_by(ExperimentRow.name))
            raise NotFoundError("experiment", name, available=list(names))
        return _to_record(row)


def list_experiments(*, stores: Stores | None = None) -> list[Experiment]:
    """Every experiment, oldest first."""
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        rows = session.scalars(sa.select(ExperimentRow).order_by(ExperimentRow.created_at))
        return [_to_record(row) for row in rows]


def create_experiment(
    name: str, *, description: str = "", stores: Stores | None = None
) -> Experiment:
    """Create an experiment explicitly (``start_run`` creates one on first use anyway).

    Raises:
        ConflictError: an experiment with this name exists.
    """
    check_experiment_name(name)
    stores = stores or default_stores()
    with stores.metadata.session(write=True) as session:
        row, created = _ensure_experiment(session, name, description=description)
        if not created:
            raise ConflictError(f"experiment {name!r} exists already")
    return _to_record(row)
