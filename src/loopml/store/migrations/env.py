"""Alembic environment: runs on the connection loopml hands it (see MetadataStore.upgrade)."""

from __future__ import annotations

from alembic import context

from loopml.store._models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - loopml always passes its own connection
    raise RuntimeError("run migrations through loopml (`loopml db upgrade`), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
