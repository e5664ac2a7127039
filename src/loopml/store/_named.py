"""Get-or-create of records that are unique by name (experiments, datasets, models).

Two processes creating the same new name at once must both succeed and see one record. A plain
"select, then insert when missing" races on PostgreSQL (the loser hits the unique constraint);
``INSERT ... ON CONFLICT DO NOTHING`` followed by a select cannot: the loser waits for the
winner's commit and then reads its row. SQLite serialises write transactions anyway.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from loopml.core import new_id
from loopml.store._audit import record_audit_event

RowT = TypeVar("RowT")


def ensure_named_row(
    session: Session,
    row_class: type[RowT],
    name: str,
    *,
    values: dict[str, Any],
    audit_action: str,
    entity_type: str,
    for_update: bool = False,
) -> tuple[RowT, bool]:
    """The row of ``row_class`` called ``name``, inserted with ``values`` when missing.

    Returns ``(row, created)``. A creation appends an audit event in the same transaction.
    ``for_update`` locks the row (PostgreSQL) so the caller can safely number its children.
    """
    table = cast(sa.Table, row_class.__table__)  # type: ignore[attr-defined]
    candidate = new_id()
    dialect_insert = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    session.execute(
        dialect_insert(table)
        .values(id=candidate, name=name, **values)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = sa.select(row_class).where(table.c.name == name)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).one()
    created = cast(Any, row).id == candidate
    if created:
        record_audit_event(
            session,
            action=audit_action,
            entity_type=entity_type,
            entity_id=candidate,
            details={"name": name},
        )
    return row, created
