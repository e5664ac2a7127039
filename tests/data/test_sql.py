"""SQL connector against a real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from loopml.core import ConfigurationError, InvalidValueError, NotFoundError
from loopml.data import ingest_sql, list_datasets, load_dataset
from loopml.store import Stores
from tests.conftest import PG_SERVER_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file with a table ``orders`` of 250 rows (``note`` null in the first 150)."""
    path = tmp_path / "shop.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "create table orders (id integer, customer text, amount real, note text, day text)"
        )
        conn.exec_driver_sql(
            "insert into orders values "
            + ", ".join(
                f"({i}, 'c{i % 7}', {i * 1.5}, {'null' if i < 150 else repr(f'n{i}')}, "
                f"'2024-01-{1 + i % 28:02d}')"
                for i in range(250)
            )
        )
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def pg_table() -> Iterator[tuple[str, str]]:
    """(URL, schema-qualified table) in a fresh schema on the PostgreSQL server, dropped after."""
    engine = sa.create_engine(PG_SERVER_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"SKIPPED, NO POSTGRES: {PG_SERVER_URL} is not reachable ({exc})")
    schema = f"ingest_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'create schema "{schema}"')
        conn.exec_driver_sql(
            f'create table "{schema}".sales (id bigint, amount numeric(10, 2), ratio numeric, '
            "at timestamptz, ref uuid, attrs jsonb, tags text[])"
        )
        conn.exec_driver_sql(
            f'insert into "{schema}".sales select g, g * 1.25, g / 3.0, '
            "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', "
            "md5(g::text)::uuid, jsonb_build_object('k', g), array['a', g::text] "
            "from generate_series(1, 2500) g"
        )
    try:
        yield PG_SERVER_URL, f'"{schema}".sales'
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'drop schema "{schema}" cascade')
        engine.dispose()


def test_sqlite_query_is_streamed_in_chunks(stores: Stores, sqlite_url: str) -> None:
    query = "select * from orders where id >= :low order by id"
    version = ingest_sql(sqlite_url, query, name="orders", params={"low": 10}, chunk_rows=40)
    assert version.num_rows == 240
    types = {c["name"]: c["type"] for c in version.schema}
    # 'note' is null in the first chunks and text later: one type for the whole stream
    assert types == {
        "id": "int64",
        "customer": "string",
        "amount": "double",
        "note": "string",
        "day": "string",
    }
    source = version.source
    assert source["kind"] == "sql" and source["url"] == sqlite_url
    assert source["query"] == query
    assert source["query_sha256"] == hashlib.sha256(query.encode()).hexdigest()
    assert source["params"] == {"low": 10} and source["rows"] == 240
    frame = load_dataset(version)
    assert frame["id"].tolist() == list(range(10, 250))
    assert frame["note"].iloc[-1] == "n249"


def test_postgres_server_side_cursor_and_types(stores: Stores, pg_table: tuple[str, str]) -> None:
    url, table = pg_table
    secret_url = url.replace("postgres@", "postgres:s3cret@")  # trust auth ignores it
    version = ingest_sql(
        secret_url, f"select * from {table} order by id", name="sales", chunk_rows=500
    )
    assert version.num_rows == 2500
    types = {c["name"]: c["type"] for c in version.schema}
    assert types["amount"] == "decimal128(10, 2)"
    assert types["ratio"] == "double"  # NUMERIC without precision
    assert types["at"].startswith("timestamp[us, tz=")
    assert types["ref"] == "string" and types["attrs"] == "string"
    assert types["tags"] == "list<item: string>"
    assert "s3cret" not in str(version.source) and ":***@" in version.source["url"]
    assert any("'ratio'" in warning for warning in version.source["warnings"])
    frame = load_dataset(version)
    assert str(frame["amount"].iloc[3]) == "5.00"
    assert frame["attrs"].iloc[0] == '{"k":1}'


def test_a_query_never_writes(sqlite_stores: Stores, sqlite_url: str) -> None:
    with pytest.raises(InvalidValueError, match="returns no rows; give a SELECT"):
        ingest_sql(sqlite_url, "delete from orders", name="oops")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from orders")).scalar() == 250
    engine.dispose()
    assert list_datasets() == []


def test_a_late_value_that_does_not_fit_names_its_row(
    sqlite_stores: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loopml.data._ingest.LOOKAHEAD_ROWS", 10)
    path = tmp_path / "loose.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("create table t (v)")  # SQLite: any value in any row
        conn.exec_driver_sql(
            "insert into t values " + ", ".join(f"({i})" for i in range(30)) + ", ('thirty')"
        )
    engine.dispose()
    with pytest.raises(InvalidValueError, match="result row 31: column 'v' has 'thirty'.*CAST"):
        ingest_sql(f"sqlite:///{path}", "select v from t", name="loose", chunk_rows=5)
    assert list_datasets() == []
    version = ingest_sql(
        f"sqlite:///{path}", "select v from t", name="loose", column_types={"v": "string"}
    )
    assert load_dataset(version)["v"].iloc[-1] == "thirty"


def test_bad_input_is_a_typed_error_and_records_nothing(
    stores: Stores, sqlite_url: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidValueError, match="query failed on sqlite.*no such table: nope"):
        ingest_sql(sqlite_url, "select * from nope", name="x")
    with pytest.raises(InvalidValueError, match="query failed.*syntax error"):
        ingest_sql(sqlite_url, "selec * from orders", name="x")
    with pytest.raises(NotFoundError, match="SQLite database file"):
        ingest_sql(f"sqlite:///{tmp_path / 'missing.db'}", "select 1", name="x")
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(ConfigurationError, match="cannot connect to .*:\\*\\*\\*@127.0.0.1:1/"):
        ingest_sql("postgresql+psycopg://me:pw@127.0.0.1:1/db", "select 1", name="x")
    with pytest.raises(ConfigurationError) as caught:
        ingest_sql(
            "postgresql+psycopg://me@127.0.0.1:1/db?password=pw&sslmode=disable",
            "select 1",
            name="x",
        )
    assert "password=***" in str(caught.value) and "sslmode=disable" in str(caught.value)
    with pytest.raises(InvalidValueError, match="several columns named \\['id'\\]"):
        ingest_sql(sqlite_url, "select id, id from orders", name="x")
    with pytest.raises(InvalidValueError, match="not a SQLAlchemy database URL"):
        ingest_sql("not a url", "select 1", name="x")
    with pytest.raises(ConfigurationError, match="no driver"):
        ingest_sql("postgresql+nosuchdriver://h/db", "select 1", name="x")
    with pytest.raises(InvalidValueError, match="non-empty"):
        ingest_sql(sqlite_url, "  ", name="x")
    with pytest.raises(InvalidValueError, match="chunk_rows"):
        ingest_sql(sqlite_url, "select 1", name="x", chunk_rows=0)
    with pytest.raises(InvalidValueError, match="does not return: \\['zz'\\]"):
        ingest_sql(sqlite_url, "select id from orders", name="x", column_types={"zz": "int64"})
    with pytest.raises(InvalidValueError, match="dataset name"):
        ingest_sql(sqlite_url, "select 1", name="")
    assert list_datasets() == []


def test_postgres_bad_query(sqlite_stores: Stores, pg_table: tuple[str, str]) -> None:
    url, table = pg_table
    with pytest.raises(InvalidValueError, match='query failed on .*column "nope" does not exist'):
        ingest_sql(url, f"select nope from {table}", name="x")
    with pytest.raises(InvalidValueError, match="division by zero"):
        # fails on the server after the cursor opened: mid-stream errors are translated too
        ingest_sql(
            url, f"select 1 / (id - 2000) as x from {table} order by id", name="x", chunk_rows=100
        )
    assert list_datasets() == []
