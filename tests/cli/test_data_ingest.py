"""``loopml data ingest ...`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from loopml.data import list_datasets
from tests.cli.conftest import CliRunner

SUBCOMMANDS = ["csv", "parquet", "jsonl", "files", "sql"]


@pytest.mark.parametrize("command", [[], *([c] for c in SUBCOMMANDS)], ids=str)
def test_every_ingest_help_shows_an_example(cli: CliRunner, command: list[str]) -> None:
    result = cli("data", "ingest", *command, "--help")
    assert result.code == 0
    assert "Example: loopml data ingest" in result.out


def test_ingest_csv_prints_the_version_and_json(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("id;zip;amount\n1;02134;2.5\n2;10001;\n3\n")
    result = cli(
        "data", "ingest", "csv", str(path), "--name", "sales",
        "--type", "zip=string", "--on-bad-lines", "skip",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "datasets:/sales/1" in result.out and "skipped lines" in result.out
    assert "sales.csv:4" in result.out and result.err == ""
    again = cli(
        "data", "ingest", "csv", str(path), "--name", "sales",
        "--type", "zip=string", "--on-bad-lines", "skip", "--json",
    )  # fmt: skip
    record = json.loads(again.out)
    assert record["version"] == 1 and record["num_rows"] == 2
    assert {c["name"]: c["type"] for c in record["schema"]}["zip"] == "string"
    assert record["source"]["files"][0]["delimiter"] == ";"


def test_ingest_csv_options(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_text("1|'a|b'|-\n2|'c'|x\n")
    result = cli(
        "data", "ingest", "csv", str(path), "--name", "raw", "--delimiter", "|",
        "--no-header", "--column-names", "id,label,flag", "--quotechar", "'",
        "--na-value", "-", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    record = json.loads(result.out)
    assert [c["name"] for c in record["schema"]] == ["id", "label", "flag"]
    assert record["source"]["options"]["na_values"] == ["-"]


def test_ingest_errors_are_one_line(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")
    result = cli("data", "ingest", "csv", str(path), "--name", "bad")
    assert result.code == 1
    assert result.err.startswith("error: ") and "line 3" in result.err
    assert result.err.count("\n") == 1
    missing = cli("data", "ingest", "parquet", str(tmp_path / "*.parquet"), "--name", "x")
    assert missing.code == 1 and "file matching" in missing.err
    bad_type = cli("data", "ingest", "csv", str(path), "--name", "x", "--type", "a")
    assert bad_type.code == 1 and "--type takes KEY=VALUE" in bad_type.err
    assert list_datasets() == []


def test_ingest_parquet_jsonl_and_files(cli: CliRunner, tmp_path: Path) -> None:
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(tmp_path / "part-1.parquet")
    result = cli(
        "data", "ingest", "parquet", str(tmp_path / "part-*.parquet"), "--name", "parts",
        "--columns", "b", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert [c["name"] for c in json.loads(result.out)["schema"]] == ["b"]
    (tmp_path / "events.jsonl").write_text('{"id": 1, "user": {"name": "ann"}}\nnope\n')
    jsonl = cli(
        "data", "ingest", "jsonl", str(tmp_path / "events.jsonl"), "--name", "events",
        "--on-bad-lines", "skip", "--json",
    )  # fmt: skip
    assert jsonl.code == 0, jsonl.err
    assert json.loads(jsonl.out)["source"]["skipped_line_count"] == 1
    files = cli("data", "ingest", "files", str(tmp_path / "events.jsonl"), "--name", "ev")
    assert files.code == 1 and "line 2: not JSON" in files.err
    (tmp_path / "x.tsv").write_text("a\tb\n1\t2\n")
    tsv = cli("data", "ingest", "files", str(tmp_path / "x.tsv"), "--name", "tsv")
    assert tsv.code == 0 and "datasets:/tsv/1" in tsv.out


def test_ingest_sql(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("create table orders (id integer, day text)")
        conn.exec_driver_sql("insert into orders values (1, '2024-01-01'), (2, '2024-02-01')")
    engine.dispose()
    monkeypatch.setenv("SHOP_DB_URL", url)
    result = cli(
        "data", "ingest", "sql", "env:SHOP_DB_URL", "select * from orders where day >= :since",
        "--param", "since=2024-01-15", "--name", "orders", "--chunk-rows", "1", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    record = json.loads(result.out)
    assert record["num_rows"] == 1 and record["source"]["params"] == {"since": "2024-01-15"}
    query_file = tmp_path / "q.sql"
    query_file.write_text("select id from orders")
    from_file = cli("data", "ingest", "sql", url, "--query-file", str(query_file), "--name", "q")
    assert from_file.code == 0 and "datasets:/q/1" in from_file.out
    for args, message in [
        (["env:NO_SUCH_VARIABLE", "select 1"], "NO_SUCH_VARIABLE"),
        ([url], "give the query"),
        ([url, "select * from nope"], "no such table"),
    ]:
        failed = cli("data", "ingest", "sql", *args, "--name", "bad")
        assert failed.code == 1 and failed.err.startswith("error: ") and message in failed.err
