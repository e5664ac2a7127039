"""The append-only audit log: who changed which record, when, and how."""

from __future__ import annotations

import getpass
import os
from typing import Any

from sqlalchemy.orm import Session

from loopml.core import now_ms
from loopml.store._models import AuditEventRow


def current_actor() -> str:
    """The user a change is attributed to: ``LOOPML_USER``, else the login name."""
    user = os.environ.get("LOOPML_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def record_audit_event(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Append one audit event in the caller's transaction, so it commits with the change itself."""
    session.add(
        AuditEventRow(
            timestamp=now_ms(),
            actor=actor or current_actor(),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            details=details or {},
        )
    )
