"""Shared fixtures: every store-backed test runs against SQLite AND the PostgreSQL server.

PostgreSQL: one schema per test session (``loopml_test_<pid>_<random>`` in database ``test`` on
127.0.0.1:5432), migrated once, emptied after each test and dropped at the end. When the server
is not reachable the PostgreSQL half of each test is skipped with a loud reason, never silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from loopml.core import Settings
from loopml.store import Stores, models, set_default_stores

PG_SERVER_URL = os.environ.get(
    "LOOPML_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LOOPML_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = "/usr/bin/chromium"
# As the machine's own probe runs it: no sandbox as root, and nothing that phones home (this
# machine's network is closed, and those connections would only fail, many at a time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _postgres_unavailable() -> str | None:
    try:
        engine = sa.create_engine(PG_SERVER_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL at {PG_SERVER_URL} is not reachable ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (headless), shared by the session's tests."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"SKIPPED, NO CHROMIUM: {CHROMIUM} is missing (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A SQLAlchemy URL whose search_path is a fresh schema, migrated to head."""
    reason = _postgres_unavailable()
    if reason:
        pytest.skip("SKIPPED, NO POSTGRES: " + reason)
    schema = f"loopml_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_SERVER_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(stores: Stores) -> None:
    tables = ", ".join(f'"{t.name}"' for t in models.Base.metadata.sorted_tables)
    with stores.metadata.connection(write=True) as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """Opened stores on SQLite (a file under tmp_path) or PostgreSQL; also the SDK default."""
    if request.param == "sqlite":
        settings = Settings(home=tmp_path / "home")
    else:
        settings = Settings(home=tmp_path / "home", db_url=request.getfixturevalue("pg_schema_url"))
    opened = Stores.from_settings(settings).open()
    set_default_stores(opened)
    try:
        yield opened
    finally:
        set_default_stores(None)
        if request.param == "postgresql":
            _empty_all_tables(opened)
        opened.metadata.dispose()


@pytest.fixture
def sqlite_stores(tmp_path: Path) -> Iterator[Stores]:
    """Opened stores on a SQLite file only (for tests about SQLite itself)."""
    opened = Stores.from_settings(Settings(home=tmp_path / "home")).open()
    set_default_stores(opened)
    try:
        yield opened
    finally:
        set_default_stores(None)
        opened.metadata.dispose()
