"""The metadata store: one SQLAlchemy engine, one session scope, explicit schema upgrades.

SQLite (the embedded default) runs in WAL mode so readers never block the writer, with a busy
timeout so concurrent processes queue instead of failing, and ``BEGIN IMMEDIATE`` for write
transactions so a transaction that reads before it writes cannot fail with "database is locked"
half-way (SQLite does not wait in that case). PostgreSQL needs none of that.

Constructing a :class:`MetadataStore` touches nothing: the engine connects on first use and the
schema changes only through :meth:`MetadataStore.upgrade` (or :meth:`ensure_schema` when the
caller allows automatic upgrades).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from loopml.core import ConflictError, SchemaVersionError, StoreError

_MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_BUSY_TIMEOUT_S = 60.0
# The newest migration under ``migrations/versions``. Opening a store compares the database's
# revision with this instead of asking Alembic, whose import and script scan cost ~80 ms on
# every command; Alembic loads only when there is something to upgrade or explain. A test
# checks that this equals Alembic's head, so a new migration cannot be forgotten here.
SCHEMA_HEAD = "0003"


def alembic_head_revision() -> str:
    """The head revision as Alembic finds it by scanning the migration scripts (for the test
    that keeps :data:`SCHEMA_HEAD` right)."""
    head = _script_directory().get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise SchemaVersionError(f"no migrations found under {_MIGRATIONS}")
    return str(head)


def _script_directory() -> Any:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config)


class MetadataStore:
    """Typed records in one relational database (SQLite file or PostgreSQL).

    Thread-safe: sessions come from a connection pool; each :meth:`session` is one transaction.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._schema_checked = False

    def __repr__(self) -> str:
        return f"MetadataStore({sa.make_url(self.url).render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return sa.make_url(self.url).get_backend_name()

    @property
    def engine(self) -> Engine:
        """The engine, created (not connected) on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        url = sa.make_url(self.url)
        if url.get_backend_name() != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True, future=True)
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control away from the sqlite3 module so we can say BEGIN IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(_SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("loopml_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def dispose(self) -> None:
        """Close every pooled connection (after a fork, or when done with the store)."""
        if self._engine is not None:
            self._engine.dispose()

    # -- schema -----------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at, or None for an empty database.

        Read from Alembic's own ``alembic_version`` table with plain SQL (what Alembic's
        ``MigrationContext.get_current_revision`` does), without importing Alembic.
        """
        with self._translate_errors(), self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        if len(versions) > 1:  # pragma: no cover - loopml's migrations never branch
            raise SchemaVersionError(f"the database {self!r} is at several revisions: {versions}")
        return str(versions[0][0]) if versions else None

    @staticmethod
    def head_revision() -> str:
        """The newest schema revision this version of loopml knows."""
        return SCHEMA_HEAD

    def upgrade(self, revision: str = "head") -> None:
        """Apply every migration up to ``revision`` (idempotent; ``loopml db upgrade`` runs it)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._translate_errors(), self.engine.begin() as conn:
            if self.dialect == "sqlite":
                # SQLite DDL is transactional, but alembic's batch mode needs FKs off to rebuild.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            if self.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        self._schema_checked = False

    def ensure_schema(self, *, auto_upgrade: bool) -> None:
        """Check that the schema is the one this loopml needs; upgrade it when allowed.

        Raises:
            SchemaVersionError: the schema is older and ``auto_upgrade`` is False (the message
                says to run ``loopml db upgrade``), or it is newer than this loopml knows.
        """
        if self._schema_checked:
            return
        current = self.current_revision()
        head = SCHEMA_HEAD
        if current != head:
            known = {rev.revision for rev in _script_directory().walk_revisions()}
            if current is not None and current not in known:
                raise SchemaVersionError(
                    f"the database {self!r} is at schema revision {current}, newer than this "
                    f"loopml knows (head {head}); upgrade the loopml package"
                )
            if not auto_upgrade:
                raise SchemaVersionError(
                    f"the database {self!r} is at schema revision {current or '(empty)'}, "
                    f"older than {head}; run `loopml db upgrade`"
                )
            self.upgrade()
        self._schema_checked = True

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back when it raises.

        Pass ``write=True`` for a transaction that writes; on SQLite it takes the write lock at
        BEGIN so it waits for other writers instead of failing part-way. Database errors come
        out as :class:`~loopml.core.StoreError` (or :class:`~loopml.core.ConflictError` for a
        broken uniqueness or foreign-key constraint).
        """
        bind = self.engine.execution_options(loopml_write=write)
        with (
            self._translate_errors(),
            Session(bind=bind, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """One Core-level transaction, for bulk statements on the hot paths."""
        bind = self.engine.execution_options(loopml_write=write)
        with self._translate_errors(), bind.begin() as conn:
            yield conn

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.IntegrityError as exc:
            raise ConflictError(f"conflicting change in {self!r}: {exc.orig}") from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"metadata store {self!r} failed: {exc}") from exc
