"""The pair of stores every stage reads and writes, and the process-wide default pair."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from loopml.core import Settings
from loopml.store._artifacts import ArtifactStore
from loopml.store._metadata import MetadataStore

_log = logging.getLogger("loopml.store")


@dataclass(frozen=True)
class Stores:
    """The metadata store and the artifact store of one loopml installation."""

    metadata: MetadataStore
    artifacts: ArtifactStore
    settings: Settings

    @classmethod
    def from_settings(cls, settings: Settings) -> Stores:
        """Build (without connecting) the stores that ``settings`` point at."""
        return cls(
            metadata=MetadataStore(settings.resolved_db_url),
            artifacts=ArtifactStore(settings.resolved_artifact_url),
            settings=settings,
        )

    def open(self) -> Stores:
        """Make the metadata schema current and return self.

        An empty database is created; an older SQLite file is upgraded in place (it belongs to
        this user); an older shared database (PostgreSQL) is refused with a message saying to run
        ``loopml db upgrade``, because upgrading it changes it for every user at once.
        """
        metadata = self.metadata
        auto = metadata.dialect == "sqlite" or metadata.current_revision() is None
        metadata.ensure_schema(auto_upgrade=auto)
        return self


_default: Stores | None = None
_default_key: tuple[Settings | None, int] | None = None
_default_lock = threading.Lock()


def default_stores() -> Stores:
    """The stores every SDK call uses when it is not given ``stores=``.

    Those set by :func:`set_default_stores` when there are any; otherwise those named by the
    environment, opened once per process and per setting. Changing ``LOOPML_HOME`` or
    ``LOOPML_DB_URL`` (tests do) or forking gives a fresh pair, so a child process never shares
    its parent's database connections.
    """
    global _default, _default_key
    pid = os.getpid()
    with _default_lock:
        if _default is not None and _default_key == (None, pid):
            return _default  # set explicitly in this process
        key = (Settings.from_env(), pid)
        if _default is None or _default_key != key:
            _default = Stores.from_settings(key[0]).open()
            _default_key = key
        return _default


def set_default_stores(stores: Stores | None) -> None:
    """Use ``stores`` for every SDK call not given stores explicitly (None: back to the env)."""
    global _default, _default_key
    with _default_lock:
        _default = stores.open() if stores is not None else None
        _default_key = (None, os.getpid()) if stores is not None else None
