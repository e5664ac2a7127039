"""The metadata store: schema upgrades and checks, SQLite settings, error translation."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from loopml.core import ConflictError, SchemaVersionError, Settings, StoreError
from loopml.store import MetadataStore, Stores, models


def test_migrations_build_exactly_the_schema_the_models_describe(stores: Stores) -> None:
    with stores.metadata.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == []


def test_an_opened_store_is_at_the_head_revision(stores: Stores) -> None:
    assert stores.metadata.current_revision() == MetadataStore.head_revision()


def test_upgrade_is_idempotent(stores: Stores) -> None:
    stores.metadata.upgrade()
    stores.metadata.upgrade()
    assert stores.metadata.current_revision() == MetadataStore.head_revision()


def test_constructing_a_store_touches_nothing(tmp_path: Path) -> None:
    Stores.from_settings(Settings(home=tmp_path / "never"))
    assert not (tmp_path / "never").exists()


def test_an_empty_sqlite_file_is_created_on_open(tmp_path: Path) -> None:
    stores = Stores.from_settings(Settings(home=tmp_path / "h")).open()
    assert (tmp_path / "h" / "loopml.db").exists()
    assert stores.metadata.current_revision() == MetadataStore.head_revision()


def test_an_older_schema_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(SchemaVersionError, match="loopml db upgrade"):
        store.ensure_schema(auto_upgrade=False)


def test_a_newer_schema_is_refused_even_with_auto_upgrade(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'new.db'}")
    store.upgrade()
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    fresh = MetadataStore(store.url)
    with pytest.raises(SchemaVersionError, match="newer than this loopml"):
        fresh.ensure_schema(auto_upgrade=True)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_stores: Stores) -> None:
    with sqlite_stores.metadata.connection() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_broken_constraint_is_a_conflict_and_rolls_back(stores: Stores) -> None:
    with stores.metadata.session(write=True) as session:
        session.add(models.ProjectRow(id="p1", name="one", description="", created_at=0))
    with pytest.raises(ConflictError), stores.metadata.session(write=True) as session:
        session.add(models.ProjectRow(id="p2", name="two", description="", created_at=0))
        session.flush()
        session.add(models.ProjectRow(id="p3", name="one", description="", created_at=0))
    with stores.metadata.session() as session:
        names = session.scalars(sa.select(models.ProjectRow.name)).all()
    assert names == ["one"]  # "two" was rolled back with the failed transaction


def test_an_unreachable_database_is_a_store_error(tmp_path: Path) -> None:
    store = MetadataStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with pytest.raises(StoreError, match="failed"):
        store.current_revision()
