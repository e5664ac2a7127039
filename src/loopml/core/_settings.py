"""Settings read from the environment: where loopml keeps its records and blobs.

``LOOPML_HOME`` (default ``./.loopml``) holds the embedded defaults: the SQLite metadata database
``loopml.db`` and the artifact directory ``artifacts/``. ``LOOPML_DB_URL`` points the metadata store
elsewhere (``postgresql+psycopg://user@host/db``); ``LOOPML_ARTIFACT_URL`` points the artifact
store at any fsspec URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_home() -> Path:
    return Path(os.environ.get("LOOPML_HOME", ".loopml")).expanduser().absolute()


@dataclass(frozen=True)
class Settings:
    """Where the metadata store and the artifact store live.

    Build one with :meth:`from_env` (what the SDK and CLI do) or directly in tests.
    """

    home: Path = field(default_factory=_default_home)
    db_url: str | None = None
    artifact_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Read ``LOOPML_HOME``, ``LOOPML_DB_URL`` and ``LOOPML_ARTIFACT_URL``."""
        return cls(
            home=_default_home(),
            db_url=os.environ.get("LOOPML_DB_URL") or None,
            artifact_url=os.environ.get("LOOPML_ARTIFACT_URL") or None,
        )

    @property
    def resolved_db_url(self) -> str:
        """The SQLAlchemy URL of the metadata store (SQLite under ``home`` by default)."""
        return self.db_url or f"sqlite:///{self.home / 'loopml.db'}"

    @property
    def resolved_artifact_url(self) -> str:
        """The fsspec URL of the artifact store (``home/artifacts`` by default)."""
        return self.artifact_url or str(self.home / "artifacts")
