"""Aliases: movable names (``champion``, ``challenger``, ...) for one version of a model.

Serving and gates follow aliases, so a move must be atomic: the alias row is updated in one
transaction that also locks the model row (so two concurrent moves queue instead of racing)
and writes the audit event. Readers see either the old or the new version, never neither.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loopml.core import NotFoundError, now_ms
from loopml.registry._catalog import (
    ModelAliasRow,
    ModelRow,
    ModelVersionRow,
    closest_first,
    find_model_row,
    find_version_row,
    to_model_version,
)
from loopml.registry._names import check_alias, check_model_name, check_version_number
from loopml.registry._records import ModelVersion
from loopml.registry._uri import ModelUri
from loopml.store import Stores, default_stores, record_audit_event


def set_alias(
    name: str, alias: str, *, version: int | str, stores: Stores | None = None
) -> ModelVersion:
    """Point ``alias`` of model ``name`` at ``version``, creating or moving it atomically.

    Returns:
        The version the alias now points at.

    Raises:
        InvalidValueError: ``alias`` is not a valid alias name (letters, digits, ``_``, ``-``,
            starting with a letter; not ``latest``) or ``version`` is not a number.
        NotFoundError: no such model or version (the message lists what exists).
    """
    check_model_name(name)
    check_alias(alias)
    number = check_version_number(version)
    stores = stores or default_stores()
    with stores.metadata.session(write=True) as session:
        model_row = find_model_row(session, name, for_update=True)
        version_row = find_version_row(session, model_row, ModelUri(name, version=number))
        assign_alias(session, model_row, alias, version_row)
        return to_model_version(session, model_row, version_row)


def delete_alias(name: str, alias: str, *, stores: Stores | None = None) -> None:
    """Remove ``alias`` from model ``name`` (the version itself stays).

    Raises:
        NotFoundError: no such model or alias (the message lists the model's aliases).
    """
    check_model_name(name)
    check_alias(alias)
    stores = stores or default_stores()
    with stores.metadata.session(write=True) as session:
        model_row = find_model_row(session, name, for_update=True)
        row = session.get(ModelAliasRow, (model_row.id, alias))
        if row is None:
            known = [alias_row.alias for alias_row in _aliases_of(session, model_row)]
            raise NotFoundError("alias", f"{name}@{alias}", available=closest_first(alias, known))
        version = session.get_one(ModelVersionRow, row.version_id).version
        session.delete(row)
        model_row.updated_at = now_ms()
        record_audit_event(
            session,
            action="model_alias.delete",
            entity_type="model",
            entity_id=model_row.id,
            details={"model": name, "alias": alias, "version": version},
        )


def assign_alias(
    session: Session, model_row: ModelRow, alias: str, version_row: ModelVersionRow
) -> None:
    """Create or move ``alias`` in the caller's transaction (model row already locked).

    Writes ``model_alias.set`` for a new alias, ``model_alias.move`` for a moved one, and
    nothing when the alias already points at ``version_row``.
    """
    now = now_ms()
    row = session.get(ModelAliasRow, (model_row.id, alias))
    details: dict[str, object] = {
        "model": model_row.name,
        "alias": alias,
        "version": version_row.version,
    }
    if row is None:
        session.add(
            ModelAliasRow(
                model_id=model_row.id, alias=alias, version_id=version_row.id, updated_at=now
            )
        )
        action = "model_alias.set"
    elif row.version_id == version_row.id:
        return
    else:
        details["from_version"] = session.get_one(ModelVersionRow, row.version_id).version
        row.version_id = version_row.id
        row.updated_at = now
        action = "model_alias.move"
    model_row.updated_at = now
    session.flush()
    record_audit_event(
        session, action=action, entity_type="model", entity_id=model_row.id, details=details
    )


def _aliases_of(session: Session, model_row: ModelRow) -> list[ModelAliasRow]:
    return list(
        session.scalars(
            sa.select(ModelAliasRow)
            .where(ModelAliasRow.model_id == model_row.id)
            .order_by(ModelAliasRow.alias)
        )
    )
