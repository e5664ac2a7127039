"""Every schema revision's snapshot opens with the current code and its records read back."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from loopml.core import Settings
from loopml.data import get_dataset
from loopml.registry import get_model, list_model_versions
from loopml.store import MetadataStore, Stores
from loopml.store._metadata import alembic_head_revision
from loopml.tracking import get_run, metric_history, search_runs

SNAPSHOTS = sorted((Path(__file__).parent / "upgrade_assets").glob("*.sqlite"))


def test_the_recorded_head_is_alembics_head() -> None:
    """Opening a store trusts ``SCHEMA_HEAD``; a migration added without moving it would leave
    new databases un-upgraded."""
    assert MetadataStore.head_revision() == alembic_head_revision()


def test_the_head_revision_has_a_snapshot() -> None:
    assert f"{MetadataStore.head_revision()}.sqlite" in {p.name for p in SNAPSHOTS}


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[p.stem for p in SNAPSHOTS])
def test_snapshot_upgrades_and_reads_back(snapshot: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(snapshot, home / "loopml.db")
    stores = Stores.from_settings(Settings(home=home)).open()
    assert stores.metadata.current_revision() == MetadataStore.head_revision()

    runs = search_runs("snapshot", order_by="name", stores=stores)
    assert list(runs["name"]) == ["child", "parent"]
    parent = get_run(runs.loc[runs["name"] == "parent", "run_id"].item(), stores=stores)
    assert parent.params == {"seed": "1"} and parent.tags == {"stage": "snapshot"}
    assert parent.metrics["loss"] == 0.2 and math.isnan(parent.metrics["odd"])
    assert [p.step for p in metric_history(parent.id, "loss", stores=stores)] == [0, 1, 2, 3, 4]
    assert len(parent.inputs) == 1
    assert get_dataset("snapshot-data", stores=stores).num_rows == 4
    assert get_model("snapshot-model", stores=stores).aliases == {"champion": 1}
    assert list_model_versions("snapshot-model", stores=stores)[0].source_run_id == parent.id
    stores.metadata.dispose()


@pytest.mark.postgres
def test_postgres_upgrades_from_the_first_revision_with_data_in_place() -> None:
    import uuid

    import sqlalchemy as sa

    from tests.conftest import PG_SERVER_URL, _postgres_unavailable

    reason = _postgres_unavailable()
    if reason:
        pytest.skip("SKIPPED, NO POSTGRES: " + reason)
    schema = f"loopml_upgrade_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_SERVER_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        store = MetadataStore(f"{PG_SERVER_URL}?options=-csearch_path%3D{schema}")
        store.upgrade("0001")
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO datasets (id, name, description, created_at) "
                    "VALUES ('d1', 'old', '', 0)"
                )
            )
        with pytest.raises(Exception, match="older"):
            Stores(store, None, Settings()).open()  # type: ignore[arg-type]
        store.upgrade()
        assert store.current_revision() == MetadataStore.head_revision()
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM datasets")).scalar() == "old"
        store.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
