"""Reading the registry: find models and versions by name, version, alias or ``latest``.

The lookups here are also what every writer uses inside its own transaction (with
``for_update=True`` to lock the model row), so "not found" reads the same everywhere: the
error names what was asked for and lists what exists, closest names first.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loopml.core import NotFoundError
from loopml.registry._names import LATEST, check_alias, check_model_name, check_version_number
from loopml.registry._records import Model, ModelVersion
from loopml.registry._uri import ModelUri
from loopml.store import Stores, default_stores, models

ModelRow = models.ModelRow
ModelVersionRow = models.ModelVersionRow
ModelAliasRow = models.ModelAliasRow


def get_model(name: str, *, stores: Stores | None = None) -> Model:
    """The model called ``name``, with its aliases and latest version number.

    Raises:
        NotFoundError: no such model (the message lists the existing ones).
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        return to_model(session, find_model_row(session, name))


def list_models(*, stores: Stores | None = None) -> list[Model]:
    """Every registered model, by name."""
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        rows = session.scalars(sa.select(ModelRow).order_by(ModelRow.name)).all()
        latest = dict(
            session.execute(
                sa.select(ModelVersionRow.model_id, sa.func.max(ModelVersionRow.version)).group_by(
                    ModelVersionRow.model_id
                )
            ).all()
        )
        aliases: dict[str, dict[str, int]] = {}
        for model_id, alias, version in session.execute(
            sa.select(ModelAliasRow.model_id, ModelAliasRow.alias, ModelVersionRow.version)
            .join(ModelVersionRow, ModelVersionRow.id == ModelAliasRow.version_id)
            .order_by(ModelAliasRow.alias)
        ):
            aliases.setdefault(model_id, {})[alias] = version
        return [_model_record(row, aliases.get(row.id, {}), latest.get(row.id)) for row in rows]


def get_model_version(
    name: str, version_or_alias: int | str, *, stores: Stores | None = None
) -> ModelVersion:
    """One version of model ``name``: a number (``3`` or ``"3"``), ``"latest"`` or an alias.

    Raises:
        NotFoundError: no such model, version or alias (the message lists what exists).
        InvalidValueError: ``version_or_alias`` is neither a version number nor an alias name.
    """
    stores = stores or default_stores()
    reference = reference_to_uri(name, version_or_alias)
    with stores.metadata.session() as session:
        model_row = find_model_row(session, name)
        return to_model_version(session, model_row, find_version_row(session, model_row, reference))


def list_model_versions(name: str, *, stores: Stores | None = None) -> list[ModelVersion]:
    """Every version of model ``name``, oldest (version 1) first.

    Raises:
        NotFoundError: no such model (the message lists the existing ones).
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        model_row = find_model_row(session, name)
        rows = session.scalars(
            sa.select(ModelVersionRow)
            .where(ModelVersionRow.model_id == model_row.id)
            .order_by(ModelVersionRow.version)
        ).all()
        aliases = _aliases_by_version_id(session, model_row.id)
        return [_version_record(model_row, row, aliases.get(row.id, ())) for row in rows]


# -- lookups shared with the writers -----------------------------------------------------------


def reference_to_uri(name: str, version_or_alias: int | str) -> ModelUri:
    """``(name, 3 | "3" | "latest" | "champion")`` as a :class:`ModelUri` (validated)."""
    check_model_name(name)
    if isinstance(version_or_alias, str) and not version_or_alias.isdigit():
        if version_or_alias == LATEST:
            return ModelUri(name)
        return ModelUri(name, alias=check_alias(version_or_alias))
    return ModelUri(name, version=check_version_number(version_or_alias))


def find_model_row(session: Session, name: str, *, for_update: bool = False) -> ModelRow:
    """The row of model ``name``; ``for_update`` locks it until the transaction ends."""
    query = sa.select(ModelRow).where(ModelRow.name == check_model_name(name))
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        names = session.scalars(sa.select(ModelRow.name).order_by(ModelRow.name)).all()
        raise NotFoundError("model", name, available=closest_first(name, names))
    return row


def find_version_row(session: Session, model_row: ModelRow, reference: ModelUri) -> ModelVersionRow:
    """The version row ``reference`` points at within ``model_row``."""
    query = sa.select(ModelVersionRow).where(ModelVersionRow.model_id == model_row.id)
    if reference.alias is not None:
        row = session.scalars(
            query.join(ModelAliasRow, ModelAliasRow.version_id == ModelVersionRow.id).where(
                ModelAliasRow.model_id == model_row.id, ModelAliasRow.alias == reference.alias
            )
        ).one_or_none()
        if row is None:
            known = session.scalars(
                sa.select(ModelAliasRow.alias)
                .where(ModelAliasRow.model_id == model_row.id)
                .order_by(ModelAliasRow.alias)
            ).all()
            raise NotFoundError(
                "alias",
                f"{model_row.name}@{reference.alias}",
                available=closest_first(reference.alias, known),
            )
        return row
    if reference.version is None:
        row = session.scalars(query.order_by(ModelVersionRow.version.desc()).limit(1)).first()
    else:
        row = session.scalars(query.where(ModelVersionRow.version == reference.version)).first()
    if row is None:
        versions = session.scalars(
            sa.select(ModelVersionRow.version)
            .where(ModelVersionRow.model_id == model_row.id)
            .order_by(ModelVersionRow.version)
        ).all()
        wanted = LATEST if reference.version is None else reference.version
        raise NotFoundError("model version", f"{model_row.name}/{wanted}", available=versions)
    return row


def to_model(session: Session, row: ModelRow) -> Model:
    """The :class:`Model` record of ``row`` as this transaction sees it."""
    latest = session.scalar(
        sa.select(sa.func.max(ModelVersionRow.version)).where(ModelVersionRow.model_id == row.id)
    )
    aliases = dict(
        session.execute(
            sa.select(ModelAliasRow.alias, ModelVersionRow.version)
            .join(ModelVersionRow, ModelVersionRow.id == ModelAliasRow.version_id)
            .where(ModelAliasRow.model_id == row.id)
            .order_by(ModelAliasRow.alias)
        ).all()
    )
    return _model_record(row, aliases, latest)


def to_model_version(
    session: Session, model_row: ModelRow, version_row: ModelVersionRow
) -> ModelVersion:
    """The :class:`ModelVersion` record of ``version_row`` as this transaction sees it."""
    aliases = _aliases_by_version_id(session, model_row.id).get(version_row.id, ())
    return _version_record(model_row, version_row, aliases)


def closest_first(wanted: object, names: Iterable[object]) -> list[str]:
    """``names`` with the ones most like ``wanted`` first (helps spot a typo in a long list)."""
    texts = [str(name) for name in names]
    close = difflib.get_close_matches(str(wanted), texts, n=5, cutoff=0.6)
    return close + [name for name in texts if name not in close]


# -- metric values in JSON ---------------------------------------------------------------------
# JSON (and PostgreSQL's json type) has no NaN or infinity: they are stored as these strings.

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_metrics(values: Mapping[str, float | None]) -> dict[str, float | str]:
    """Metric values as JSON-safe values; None (how NaN is stored in ``latest_metrics``) is NaN."""
    encoded: dict[str, float | str] = {}
    for key, value in values.items():
        if value is None or math.isnan(value):
            encoded[key] = "NaN"
        elif math.isinf(value):
            encoded[key] = "Infinity" if value > 0 else "-Infinity"
        else:
            encoded[key] = float(value)
    return encoded


def decode_metrics(values: Mapping[str, Any]) -> dict[str, float]:
    """The inverse of :func:`encode_metrics`."""
    return {
        key: _NON_FINITE[value] if isinstance(value, str) else float(value)
        for key, value in values.items()
    }


# -- rows to records ---------------------------------------------------------------------------


def _aliases_by_version_id(session: Session, model_id: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for version_id, alias in session.execute(
        sa.select(ModelAliasRow.version_id, ModelAliasRow.alias)
        .where(ModelAliasRow.model_id == model_id)
        .order_by(ModelAliasRow.alias)
    ):
        found.setdefault(version_id, []).append(alias)
    return {version_id: tuple(aliases) for version_id, aliases in found.items()}


def _model_record(row: ModelRow, aliases: dict[str, int], latest: int | None) -> Model:
    return Model(
        id=row.id,
        name=row.name,
        description=row.description,
        tags=dict(row.tags),
        aliases=aliases,
        latest_version=latest,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version_record(
    model_row: ModelRow, row: ModelVersionRow, aliases: tuple[str, ...]
) -> ModelVersion:
    return ModelVersion(
        name=model_row.name,
        version=row.version,
        flavor=row.flavor,
        artifact_digest=row.artifact_digest,
        signature=dict(row.signature),
        source_run_id=row.source_run_id,
        aliases=aliases,
        description=row.description,
        tags=dict(row.tags),
        metrics=decode_metrics(row.metrics),
        created_at=row.created_at,
        id=row.id,
        flavor_config=dict(row.flavor_config),
    )
