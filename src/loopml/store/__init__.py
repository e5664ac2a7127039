"""Metadata store (SQLAlchemy + Alembic) and artifact store (content-addressed, fsspec).

Every stage reads and writes through a :class:`Stores` pair; the SDK's functions take one as
``stores=`` and otherwise use :func:`default_stores` (from ``LOOPML_HOME`` / ``LOOPML_DB_URL``).
"""

from loopml.store import models
from loopml.store._artifacts import ArtifactStore
from loopml.store._audit import current_actor, record_audit_event
from loopml.store._metadata import MetadataStore
from loopml.store._named import ensure_named_row
from loopml.store._paths import files_in_tree, join_inside, safe_relative_path
from loopml.store._stores import Stores, default_stores, set_default_stores

__all__ = [
    "ArtifactStore",
    "MetadataStore",
    "Stores",
    "current_actor",
    "default_stores",
    "ensure_named_row",
    "files_in_tree",
    "join_inside",
    "models",
    "record_audit_event",
    "safe_relative_path",
    "set_default_stores",
]
