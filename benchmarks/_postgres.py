"""Scratch PostgreSQL schemas for benchmarks: one fresh schema per measurement, dropped after.

The server is the one the tests use (127.0.0.1:5432, trust auth, database ``test``); set
``LOOPML_BENCH_PG_URL`` to point elsewhere. Each measurement gets a SQLAlchemy URL whose
``search_path`` is its own empty schema, so loopml and the peer both start from nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The libpq URL of the server benchmarks use."""
    return os.environ.get("LOOPML_BENCH_PG_URL", DEFAULT_SERVER_URL)


def unreachable_reason(url: str) -> str | None:
    """Why the server at ``url`` cannot be used, or None when it answers."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip()}"
    return None


def _sqlalchemy_url(url: str, schema: str) -> str:
    parts = urlsplit(url)
    option = "options=" + quote(f"-csearch_path={schema}", safe="-")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, query, parts.fragment))


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """Create an empty schema ``bench_<random>``, yield a SQLAlchemy URL using it, drop it after."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _sqlalchemy_url(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
