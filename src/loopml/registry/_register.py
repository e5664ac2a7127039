"""Registering a model: save it, store it, and record it as the next version, all or nothing.

The order is what makes a failed registration leave nothing behind:

1. everything that can be checked without the stores is checked (names, aliases, tags, the
   flavor, the sample), so most mistakes fail before anything is written;
2. the model is saved to a temporary folder and stored as a content-addressed tree; blobs are
   immutable and named by their sha256, so an unreferenced one is harmless (identical
   content is shared with other versions, so it is never deleted here);
3. ONE metadata transaction creates the model if needed, locks its row, numbers the version
   ``max + 1``, points the aliases, links the source run and writes every audit event. Any
   failure rolls all of it back.

Version numbers stay gap-free and unique under concurrency: the model row is locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions are already serialised by
``BEGIN IMMEDIATE``) before the highest number is read, and ``(model_id, version)`` is unique.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loopml.core import InvalidValueError, NotFoundError, new_id, now_ms
from loopml.registry._aliases import assign_alias
from loopml.registry._catalog import (
    ModelRow,
    ModelVersionRow,
    encode_metrics,
    to_model_version,
)
from loopml.registry._names import check_aliases, check_description, check_model_name, check_tags
from loopml.registry._package import choose_flavor, write_model_folder
from loopml.registry._records import ModelVersion
from loopml.registry._signature import infer_signature
from loopml.store import (
    Stores,
    default_stores,
    ensure_named_row,
    files_in_tree,
    models,
    record_audit_event,
)


def register_model(
    model: Any,
    name: str,
    *,
    run: Any = None,
    sample: Any = None,
    flavor: str | None = None,
    description: str = "",
    tags: Mapping[str, object] | None = None,
    aliases: Iterable[str] | str = (),
    artifacts: Mapping[str, str | Path] | None = None,
    stores: Stores | None = None,
) -> ModelVersion:
    """Register ``model`` as the next version of model ``name`` (created on first use).

    Args:
        model: a fitted scikit-learn estimator or pipeline (LightGBM's and XGBoost's
            scikit-learn estimators included), or a :class:`PythonModel`.
        name: the model's name: letters, digits, ``.``, ``_``, ``-`` (it appears in URIs).
        run: the run that produced the model (a ``Run`` or its id). The version records it,
            copies its latest metrics, and the run gets ``model/<name>/<version>`` as output.
            Without ``stores``, a ``Run``'s own stores are used.
        sample: a few input rows (DataFrame, array or list of dicts); the version's signature
            is inferred from it and from ``model.predict(sample)``.
        flavor: ``"sklearn"`` or ``"python_function"``; detected from ``model`` when None.
        description, tags: of this version (tag values are stored as text).
        aliases: aliases to point at the new version, in the same transaction.
        artifacts: for ``python_function``: files or folders the model reads in
            ``load_context`` (name -> path).

    Returns:
        The new version.

    Raises:
        InvalidValueError: a malformed name, alias, tag or sample, a model no flavor can save,
            or a model the flavor fails to save. Nothing is written.
        NotFoundError: ``run`` does not exist. Nothing is recorded.
    """
    check_model_name(name)
    alias_names = check_aliases(aliases)
    check_description(description)
    version_tags = check_tags(tags, allow_delete=False)
    run_id = _run_id(run)
    artifact_paths = {key: Path(path) for key, path in (artifacts or {}).items()}
    chosen = choose_flavor(model, flavor)
    signature = infer_signature(model, sample) if sample is not None else {}
    run_stores = getattr(run, "stores", None)
    stores = stores or (run_stores if isinstance(run_stores, Stores) else default_stores())
    if run is not None and callable(getattr(run, "flush", None)):
        run.flush()  # metric points may still sit in the background writer's queue

    with tempfile.TemporaryDirectory(prefix="loopml-register-") as folder:
        spec = write_model_folder(
            model, Path(folder), flavor=chosen, signature=signature, artifacts=artifact_paths
        )
        size = sum(path.stat().st_size for _, path in files_in_tree(folder))
        digest = stores.artifacts.put_tree(folder)

    with stores.metadata.session(write=True) as session:
        model_row = _model_row_for_register(session, name)
        metrics: dict[str, float | str] = {}
        if run_id is not None:
            metrics = _run_metrics(session, run_id)
        number = (
            session.scalar(
                sa.select(sa.func.max(ModelVersionRow.version)).where(
                    ModelVersionRow.model_id == model_row.id
                )
            )
            or 0
        ) + 1
        now = now_ms()
        version_row = ModelVersionRow(
            id=new_id(),
            model_id=model_row.id,
            version=number,
            flavor=spec.flavor,
            artifact_digest=digest,
            signature=spec.signature,
            flavor_config=spec.flavor_config,
            source_run_id=run_id,
            description=description,
            tags=version_tags,
            metrics=metrics,
            created_at=now,
        )
        session.add(version_row)
        model_row.updated_at = now
        session.flush()
        record_audit_event(
            session,
            action="model_version.create",
            entity_type="model_version",
            entity_id=version_row.id,
            details={
                "model": name,
                "version": number,
                "flavor": spec.flavor,
                "artifact_digest": digest,
                "source_run_id": run_id,
            },
        )
        for alias in alias_names:
            assign_alias(session, model_row, alias, version_row)
        if run_id is not None:
            session.merge(
                models.RunArtifactRow(
                    run_id=run_id,
                    path=f"model/{name}/{number}",
                    digest=digest,
                    size=size,
                    created_at=now,
                )
            )
        return to_model_version(session, model_row, version_row)


def _model_row_for_register(session: Session, name: str) -> ModelRow:
    """The locked row of model ``name``, created (with its audit event) when missing."""
    now = now_ms()
    row, _created = ensure_named_row(
        session,
        ModelRow,
        name,
        values={"description": "", "tags": {}, "created_at": now, "updated_at": now},
        audit_action="model.create",
        entity_type="model",
        for_update=True,  # versions are numbered max + 1 under this lock
    )
    return row


def _run_metrics(session: Session, run_id: str) -> dict[str, float | str]:
    if session.get(models.RunRow, run_id) is None:
        raise NotFoundError("run", run_id)
    latest = session.execute(
        sa.select(models.LatestMetricRow.key, models.LatestMetricRow.value).where(
            models.LatestMetricRow.run_id == run_id
        )
    ).all()
    return encode_metrics(dict(latest))


def _run_id(run: Any) -> str | None:
    if run is None:
        return None
    run_id = run if isinstance(run, str) else getattr(run, "id", None)
    if not isinstance(run_id, str) or not run_id:
        raise InvalidValueError(f"run must be a Run or a run id, got {run!r}")
    return run_id
