"""Changing what describes a model or a version: its description and tags.

A version's artifact, flavor, signature and source run never change once registered (they
are what was tested and approved); only these human annotations do. Each call is one
transaction with its audit event, and a call that changes nothing writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loopml.core import now_ms
from loopml.registry._catalog import find_model_row, find_version_row, to_model, to_model_version
from loopml.registry._names import (
    check_description,
    check_model_name,
    check_tags,
    check_version_number,
)
from loopml.registry._records import Model, ModelVersion
from loopml.registry._uri import ModelUri
from loopml.store import Stores, default_stores, record_audit_event


def update_model(
    name: str,
    *,
    description: str | None = None,
    tags: Mapping[str, object] | None = None,
    stores: Stores | None = None,
) -> Model:
    """Change the description and/or tags of model ``name``.

    ``description=None`` leaves it as it is. ``tags`` are merged into the existing tags; a
    tag whose value is None is removed.

    Raises:
        NotFoundError: no such model (the message lists the existing ones).
        InvalidValueError: a malformed description or tag.
    """
    check_model_name(name)
    new_description = None if description is None else check_description(description)
    tag_changes = check_tags(tags, allow_delete=True)
    stores = stores or default_stores()
    with stores.metadata.session(write=True) as session:
        row = find_model_row(session, name, for_update=True)
        changes = _apply(row, new_description, tag_changes)
        if changes:
            row.updated_at = now_ms()
            record_audit_event(
                session,
                action="model.update",
                entity_type="model",
                entity_id=row.id,
                details={"model": name, **changes},
            )
            session.flush()
        return to_model(session, row)


def update_model_version(
    name: str,
    version: int | str,
    *,
    description: str | None = None,
    tags: Mapping[str, object] | None = None,
    stores: Stores | None = None,
) -> ModelVersion:
    """Change the description and/or tags of version ``version`` of model ``name``.

    Same rules as :func:`update_model`.

    Raises:
        NotFoundError: no such model or version (the message lists what exists).
        InvalidValueError: a malformed version, description or tag.
    """
    check_model_name(name)
    number = check_version_number(version)
    new_description = None if description is None else check_description(description)
    tag_changes = check_tags(tags, allow_delete=True)
    stores = stores or default_stores()
    with stores.metadata.session(write=True) as session:
        model_row = find_model_row(session, name, for_update=True)
        row = find_version_row(session, model_row, ModelUri(name, version=number))
        changes = _apply(row, new_description, tag_changes)
        if changes:
            model_row.updated_at = now_ms()
            record_audit_event(
                session,
                action="model_version.update",
                entity_type="model_version",
                entity_id=row.id,
                details={"model": name, "version": number, **changes},
            )
            session.flush()
        return to_model_version(session, model_row, row)


def _apply(row: Any, description: str | None, tag_changes: dict[str, str | None]) -> dict[str, Any]:
    """Apply the changes to a model or version row; return what actually changed."""
    changes: dict[str, Any] = {}
    if description is not None and description != row.description:
        changes["description"] = {"from": row.description, "to": description}
        row.description = description
    tags = dict(row.tags)
    set_tags = {k: v for k, v in tag_changes.items() if v is not None and tags.get(k) != v}
    removed = sorted(k for k, v in tag_changes.items() if v is None and k in tags)
    if set_tags or removed:
        tags.update(set_tags)
        for key in removed:
            del tags[key]
        row.tags = tags  # a new dict, so the JSON column is seen as changed
        changes["tags"] = {"set": set_tags, "removed": removed}
    return changes
