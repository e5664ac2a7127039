"""A validation schema kept with a dataset version, so new data can be checked against it later.

The schema's JSON is a blob in the artifact store; the version row keeps its sha256
(``dataset_versions.schema_digest``, revision 0002). Attaching is audited. To validate a new
version, :func:`stored_schema` finds the schema of the version itself, else the newest one
attached to any version of the same dataset (typically the training data's).
"""

from __future__ import annotations

import sqlalchemy as sa

from loopml.core import NotFoundError
from loopml.data._datasets import DatasetVersion, get_dataset
from loopml.data._schema import Schema
from loopml.store import Stores, default_stores, record_audit_event
from loopml.store.models import DatasetRow, DatasetVersionRow


def attach_schema(
    version: DatasetVersion, schema: Schema, *, stores: Stores | None = None
) -> DatasetVersion:
    """Store ``schema`` with ``version`` (replacing any earlier one) and return the version."""
    stores = stores or default_stores()
    digest = stores.artifacts.put_bytes(schema.to_json().encode())
    with stores.metadata.session(write=True) as session:
        row = session.get(DatasetVersionRow, version.id)
        if row is None:
            raise NotFoundError("dataset version", version.id)
        previous = row.schema_digest
        row.schema_digest = digest
        record_audit_event(
            session,
            action="dataset.version.schema",
            entity_type="dataset_version",
            entity_id=version.id,
            details={"uri": version.uri, "schema": digest, "previous": previous},
        )
    return get_dataset(version.dataset, version.version, stores=stores)


def stored_schema(
    version: DatasetVersion, *, stores: Stores | None = None
) -> tuple[Schema, DatasetVersion] | None:
    """The schema to validate ``version`` against, and the version it was attached to.

    The version's own schema first, else the newest schema attached to any version of the same
    dataset; None when no version of the dataset has one.
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        number = session.scalar(
            sa.select(DatasetVersionRow.version)
            .join(DatasetRow, DatasetRow.id == DatasetVersionRow.dataset_id)
            .where(DatasetRow.name == version.dataset, DatasetVersionRow.schema_digest.is_not(None))
            .order_by((DatasetVersionRow.id == version.id).desc(), DatasetVersionRow.version.desc())
            .limit(1)
        )
    if number is None:
        return None
    holder = get_dataset(version.dataset, number, stores=stores)
    assert holder.schema_digest is not None
    text = stores.artifacts.get_bytes(holder.schema_digest).decode()
    return Schema.from_json(text), holder
