"""Fixtures of the registry tests: small fitted models (fitted once), runs, and tampering.

Models are fitted once per session on 80 rows so that every test stays fast; they are never
mutated (registering only reads them).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from loopml.store import Stores, models
from loopml.tracking import Run, start_run


@pytest.fixture(scope="session")
def churn_data() -> tuple[pd.DataFrame, np.ndarray]:
    """80 rows of a toy churn table: two numeric features and a 0/1 label."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"tenure": rng.normal(12, 4, 80), "spend": rng.normal(50, 10, 80)})
    label = (frame["tenure"] + rng.normal(0, 2, 80) > 12).astype(int).to_numpy()
    return frame, label


@pytest.fixture(scope="session")
def pipeline(churn_data: tuple[pd.DataFrame, np.ndarray]) -> Pipeline:
    frame, label = churn_data
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(frame, label)


@pytest.fixture(scope="session")
def lgbm(churn_data: tuple[pd.DataFrame, np.ndarray]) -> Any:
    from lightgbm import LGBMClassifier

    frame, label = churn_data
    return LGBMClassifier(n_estimators=8, num_leaves=4, verbose=-1).fit(frame, label)


@pytest.fixture(scope="session")
def xgb(churn_data: tuple[pd.DataFrame, np.ndarray]) -> Any:
    from xgboost import XGBClassifier

    frame, label = churn_data
    return XGBClassifier(n_estimators=8, max_depth=2, n_jobs=1).fit(frame, label)


@pytest.fixture
def finished_run(stores: Stores) -> Callable[..., Run]:
    """Start and end a run that logged ``metrics`` (each at one step)."""

    def make(metrics: dict[str, float] | None = None, experiment: str = "churn") -> Run:
        with start_run(experiment, stores=stores, capture_environment_info=False) as run:
            for key, value in (metrics or {}).items():
                run.log_metric(key, value)
        return run

    return make


def row_counts(stores: Stores) -> dict[str, int]:
    """How many models, versions and aliases the metadata store holds."""
    with stores.metadata.session() as session:
        return {
            table: session.scalar(sa.select(sa.func.count()).select_from(row)) or 0
            for table, row in (
                ("models", models.ModelRow),
                ("versions", models.ModelVersionRow),
                ("aliases", models.ModelAliasRow),
            )
        }


def audit_actions(stores: Stores) -> list[tuple[str, dict[str, Any]]]:
    """Every audit event about models, versions and aliases, oldest first."""
    with stores.metadata.session() as session:
        rows = session.scalars(
            sa.select(models.AuditEventRow)
            .where(models.AuditEventRow.entity_type.in_(["model", "model_version"]))
            .order_by(models.AuditEventRow.id)
        ).all()
        return [(row.action, dict(row.details)) for row in rows]


def object_path(stores: Stores, digest: str) -> Path:
    """Where the local artifact store keeps the blob ``digest``."""
    return Path(stores.artifacts.url) / "objects" / digest[:2] / digest[2:]


@pytest.fixture
def swap_version_folder(stores: Stores) -> Iterator[Callable[..., None]]:
    """Replace the stored folder of a version by an edited copy, as an attacker or a bug would.

    ``edit(folder)`` changes the unpacked files; the edited folder is stored as a new tree and
    the version row pointed at it (and given ``flavor_config`` when passed).
    """
    work = Path(tempfile.mkdtemp(prefix="loopml-swap-"))

    def swap(
        name: str,
        version: int,
        edit: Callable[[Path], None],
        flavor_config: dict[str, Any] | None = None,
    ) -> None:
        with stores.metadata.session(write=True) as session:
            row = session.scalars(
                sa.select(models.ModelVersionRow)
                .join(models.ModelRow, models.ModelRow.id == models.ModelVersionRow.model_id)
                .where(models.ModelRow.name == name, models.ModelVersionRow.version == version)
            ).one()
            folder = work / f"{name}-{version}"
            stores.artifacts.get_tree(row.artifact_digest, folder)
            edit(folder)
            row.artifact_digest = stores.artifacts.put_tree(folder)
            if flavor_config is not None:
                row.flavor_config = flavor_config

    yield swap
    shutil.rmtree(work, ignore_errors=True)
