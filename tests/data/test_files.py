"""File connectors: CSV, Parquet, JSON Lines, globs; detection, overrides and bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import loopml
from loopml.core import InvalidValueError, NotFoundError
from loopml.data import (
    _file_csv,
    ingest_csv,
    ingest_files,
    ingest_jsonl,
    ingest_parquet,
    list_datasets,
    load_dataset,
)
from loopml.store import Stores


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sample and read CSV in 1 KiB blocks, so small files span many chunks."""
    monkeypatch.setattr(_file_csv, "SAMPLE_BYTES", 1024)
    monkeypatch.setattr(_file_csv, "BLOCK_BYTES", 1024)


# -- CSV --------------------------------------------------------------------------------------


def test_csv_records_its_source_and_detects_the_dialect(stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id;name;score;joined\n1;Ann;0.5;2024-01-02\n2;Bob;;2024-02-03\n3;Zoë;1.5;\n")
    version = ingest_csv(path, name="people")
    assert version.num_rows == 3
    assert [(c["name"], c["type"]) for c in version.schema] == [
        ("id", "int64"),
        ("name", "string"),
        ("score", "double"),
        ("joined", "date32[day]"),
    ]
    source = version.source
    assert source["kind"] == "csv" and source["format_version"] == 1 and source["rows"] == 3
    assert source["ingested_at"] > 0 and source["skipped_line_count"] == 0
    (file,) = source["files"]
    assert file["path"] == str(path.resolve())
    assert file["size"] == path.stat().st_size and file["sha256"] == _sha256(path)
    assert (file["encoding"], file["encoding_detected"]) == ("utf-8", True)
    assert (file["delimiter"], file["delimiter_detected"]) == (";", True)
    frame = load_dataset(version)
    assert frame["name"].tolist() == ["Ann", "Bob", "Zoë"]
    assert frame["score"].isna().tolist() == [False, True, False]
    assert ingest_csv(path, name="people").id == version.id  # same content, same version


def test_csv_options_override_detection(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_text("1|'a|b'|-\n2|'c'|x\n")
    version = ingest_csv(
        path,
        name="raw",
        delimiter="|",
        header=False,
        column_names=["id", "label", "flag"],
        quotechar="'",
        na_values=["-"],
        column_types={"id": "string"},
    )
    frame = load_dataset(version)
    assert frame.columns.tolist() == ["id", "label", "flag"]
    assert frame["id"].tolist() == ["1", "2"]
    assert frame["label"].tolist() == ["a|b", "c"]
    assert frame["flag"].isna().tolist() == [True, False]
    assert version.source["options"]["column_types"] == {"id": "string"}
    assert version.source["files"][0]["delimiter_detected"] is False


def test_csv_without_header_names_columns(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("1,2,3\n4,5,6\n")
    version = ingest_csv(path, name="noheader", header=False)
    assert version.columns == ["column_1", "column_2", "column_3"]
    assert version.num_rows == 2


def test_csv_quoted_values_may_hold_delimiters_and_newlines(
    sqlite_stores: Stores, tmp_path: Path
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,note\n1,"hello, world"\n2,"two\nlines"\n3,"say ""hi"""\n')
    frame = load_dataset(ingest_csv(path, name="notes"))
    assert frame["note"].tolist() == ["hello, world", "two\nlines", 'say "hi"']


def test_csv_encoding_is_detected_or_given(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "cities.csv"
    rows = "name,city\n" + "José,München\nFrançois,São Paulo\nÅse,København\n" * 20
    path.write_bytes(rows.encode("cp1252"))
    version = ingest_csv(path, name="cities")
    assert version.source["files"][0]["encoding"] == "cp1252"
    assert load_dataset(version)["city"].iloc[0] == "München"
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("a,b\n1,é\n".encode("utf-16"))
    assert load_dataset(ingest_csv(utf16, name="u16"))["b"].tolist() == ["é"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("a,b\n1,é\n".encode("utf-8-sig"))
    assert ingest_csv(bom, name="bom").columns == ["a", "b"]  # the mark is not in the name
    given = ingest_csv(path, name="given", encoding="latin-1")
    assert given.source["files"][0]["encoding"] == "iso8859-1"
    assert given.source["files"][0]["encoding_detected"] is False


def test_wrong_encoding_names_file_offset_and_line(stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    head = "a,b\n" + "1,plain\n" * 10_000
    path.write_bytes(head.encode() + "2,café\n".encode("latin-1"))
    offset = len(head.encode()) + len("2,caf")
    with pytest.raises(InvalidValueError) as caught:
        ingest_csv(path, name="late")
    message = str(caught.value)
    assert str(path) in message and "utf-8" in message
    assert f"byte {offset:,}" in message and "line 10,002" in message
    assert "encoding=" in message
    with pytest.raises(InvalidValueError, match="not valid ascii"):
        ingest_csv(path, name="late", encoding="ascii")
    assert list_datasets() == []  # nothing recorded
    assert ingest_csv(path, name="late", encoding="latin-1").num_rows == 10_001


def test_malformed_rows_fail_with_their_line_numbers(stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n")
    with pytest.raises(InvalidValueError) as caught:
        ingest_csv(path, name="bad")
    message = str(caught.value)
    assert "2 malformed rows" in message
    assert "line 3: 1 fields, expected 2" in message and "line 5: 3 fields" in message
    assert "on_bad_lines='skip'" in message
    assert list_datasets() == []


def test_malformed_rows_stop_after_a_few(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("a,b\n" + "1,2\n" * 5 + "x\n" * 50)
    with pytest.raises(InvalidValueError, match="10 malformed rows \\(and maybe more"):
        ingest_csv(path, name="bad", delimiter=",")


def test_malformed_rows_can_be_skipped_and_are_recorded(
    stores: Stores, tmp_path: Path, small_blocks: None
) -> None:
    path = tmp_path / "bad.csv"
    good = "".join(f"{i},{i * 2}\n" for i in range(300))
    path.write_text("a,b\n" + good[:600] + "oops\n" + good[600:] + "1,2,3\n")
    version = ingest_csv(path, name="skipping", on_bad_lines="skip")
    bad_line = 2 + good[:600].count("\n")
    assert version.num_rows == 300
    assert version.source["skipped_line_count"] == 2
    assert version.source["files"][0]["skipped_lines"] == [bad_line, 303]


def test_column_types_stay_the_same_across_chunks(
    sqlite_stores: Stores, tmp_path: Path, small_blocks: None
) -> None:
    path = tmp_path / "long.csv"
    # 'maybe' is empty in the first blocks and a number later; 'x' is always an int.
    lines = [f"{i},,{i}" for i in range(400)] + [f"{i},{i}.5,{i}" for i in range(400, 800)]
    path.write_text("id,maybe,x\n" + "\n".join(lines) + "\n")
    version = ingest_csv(path, name="long")
    types = {c["name"]: c["type"] for c in version.schema}
    assert types == {"id": "int64", "maybe": "string", "x": "int64"}
    assert load_dataset(version)["maybe"].iloc[-1] == "799.5"


def test_a_late_value_that_does_not_fit_names_its_line(
    stores: Stores, tmp_path: Path, small_blocks: None
) -> None:
    path = tmp_path / "drift.csv"
    path.write_text("a,b\n1,x\n2\n" + "".join(f"{i},y\n" for i in range(500)) + "n/a?,z\n")
    with pytest.raises(InvalidValueError) as caught:
        ingest_csv(path, name="drift", on_bad_lines="skip")
    message = str(caught.value)
    assert f"{path}, line 504" in message and "'n/a?'" in message and "int64" in message
    assert "column_types={'a': 'string'}" in message
    assert list_datasets() == []
    version = ingest_csv(path, name="drift", on_bad_lines="skip", column_types={"a": "string"})
    assert version.num_rows == 502


def test_csv_glob_makes_one_version_with_every_file(stores: Stores, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2024-02.csv").write_text("id,amount\n3,2.5\n4,\n")
    (folder / "2024-01.csv").write_text("id,amount\n1,2\n2,3\n")
    (folder / "notes.md").write_text("not data")
    version = ingest_csv(str(folder / "*.csv"), name="sales")
    assert version.num_rows == 4
    assert {c["name"]: c["type"] for c in version.schema}["amount"] == "double"
    files = version.source["files"]
    assert [Path(f["path"]).name for f in files] == ["2024-01.csv", "2024-02.csv"]
    assert all(f["sha256"] == _sha256(Path(f["path"])) for f in files)
    assert version.source["paths"] == [str(folder / "*.csv")]
    assert load_dataset(version)["id"].tolist() == [1, 2, 3, 4]


def test_a_file_with_other_columns_is_named(stores: Stores, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,amount\n1,2\n")
    (tmp_path / "b.csv").write_text("id,total\n1,2\n")
    with pytest.raises(InvalidValueError, match="b.csv has different columns.*extra \\['total'\\]"):
        ingest_csv(str(tmp_path / "*.csv"), name="sales")
    assert list_datasets() == []


@pytest.mark.parametrize(
    ("content", "kwargs", "error", "pattern"),
    [
        (b"", {}, InvalidValueError, "is empty"),
        (b"a,a\n1,2\n", {}, InvalidValueError, "duplicate column names \\['a'\\]"),
        (b"a,\n1,2\n", {}, InvalidValueError, "column 2 has no name"),
        (b"\x00\x01\x02\xff" * 100, {}, InvalidValueError, "looks binary"),
        (b"a,b\n1,2\n", {"delimiter": ";;"}, InvalidValueError, "one character"),
        (b"a,b\n1,2\n", {"on_bad_lines": "warn"}, InvalidValueError, "on_bad_lines"),
        (b"a,b\n1,2\n", {"encoding": "klingon"}, InvalidValueError, "unknown encoding"),
        (b"a,b\n1,2\n", {"column_types": {"a": "integer"}}, InvalidValueError, "unknown type"),
        (b"a,b\n1,2\n", {"column_types": {"c": "int64"}}, InvalidValueError, "not in the data"),
        (b"a,b\n1,2\n", {"name": "bad name!"}, InvalidValueError, "dataset name"),
    ],
)
def test_csv_bad_input(
    sqlite_stores: Stores,
    tmp_path: Path,
    content: bytes,
    kwargs: dict[str, object],
    error: type[Exception],
    pattern: str,
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    options = {"name": "input", **kwargs}
    with pytest.raises(error, match=pattern):
        ingest_csv(path, **options)  # type: ignore[arg-type]
    assert list_datasets() == []


def test_missing_paths_are_not_found(sqlite_stores: Stores, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="file 'nope.csv' not found"):
        ingest_csv("nope.csv", name="x")
    with pytest.raises(NotFoundError, match="file matching"):
        ingest_csv(str(tmp_path / "*.csv"), name="x")
    with pytest.raises(InvalidValueError, match="is a directory"):
        ingest_csv(tmp_path, name="x")
    with pytest.raises(InvalidValueError, match="no files given"):
        ingest_csv([], name="x")


# -- Parquet ----------------------------------------------------------------------------------


def test_parquet_files_stream_into_one_version(stores: Stores, tmp_path: Path) -> None:
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(tmp_path / "p1.parquet")
    pd.DataFrame({"a": [3], "b": ["z"]}).to_parquet(tmp_path / "p2.parquet")
    version = ingest_parquet(str(tmp_path / "p*.parquet"), name="events", parents=())
    assert version.num_rows == 3
    assert version.source["kind"] == "parquet"
    assert [f["sha256"] for f in version.source["files"]] == [
        _sha256(tmp_path / "p1.parquet"),
        _sha256(tmp_path / "p2.parquet"),
    ]
    assert load_dataset(version)["a"].tolist() == [1, 2, 3]
    picked = ingest_parquet(tmp_path / "p1.parquet", name="picked", columns=["b"])
    assert picked.columns == ["b"]


def test_parquet_bad_input(stores: Stores, tmp_path: Path) -> None:
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "p1.parquet")
    pd.DataFrame({"a": [1.5]}).to_parquet(tmp_path / "p2.parquet")
    with pytest.raises(InvalidValueError, match="p2.parquet has a different schema.*a is double"):
        ingest_parquet(str(tmp_path / "*.parquet"), name="events")
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(InvalidValueError, match="fake.parquet is not a readable Parquet file"):
        ingest_parquet(tmp_path / "fake.parquet", name="events")
    with pytest.raises(InvalidValueError, match="columns \\['zz'\\] are not in"):
        ingest_parquet(tmp_path / "p1.parquet", name="events", columns=["zz"])
    assert list_datasets() == []


# -- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_flattens_objects_and_records_bad_lines(stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"id": 1, "user": {"name": "ann"}, "tags": ["a", "b"]}\n'
        "\n"
        '{"id": 2, "user": {"name": null}, "score": 2.5}\n'
        "not json\n"
        "[1, 2]\n"
        '{"id": 3, "big": 123456789012345678901234567890}\n'
    )
    with pytest.raises(
        InvalidValueError, match="2 bad lines: line 4: not JSON.*line 5: a JSON list"
    ):
        ingest_jsonl(path, name="events")
    assert list_datasets() == []
    version = ingest_jsonl(path, name="events", on_bad_lines="skip")
    assert version.columns == ["id", "user.name", "tags", "score", "big"]
    types = {c["name"]: c["type"] for c in version.schema}
    assert types["id"] == "int64" and types["score"] == "double" and types["big"] == "string"
    frame = load_dataset(version)
    assert frame["tags"].iloc[0] == '["a","b"]'
    assert frame["big"].iloc[2] == "123456789012345678901234567890"  # exact, not a float
    assert version.source["files"][0]["skipped_lines"] == [4, 5]
    assert version.source["files"][0]["sha256"] == _sha256(path)


def test_jsonl_types_are_fixed_by_the_first_rows(
    sqlite_stores: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loopml.data._ingest.LOOKAHEAD_ROWS", 10)
    monkeypatch.setattr("loopml.data._file_jsonl.CHUNK_ROWS", 5)
    path = tmp_path / "drift.jsonl"
    rows = [f'{{"n": {i}}}' for i in range(20)]
    path.write_text("\n".join([*rows, '{"n": 2.5}', '{"n": "text"}']) + "\n")
    with pytest.raises(InvalidValueError, match="drift.jsonl, line 21: column 'n' has 2.5"):
        ingest_jsonl(path, name="drift")
    floats = ingest_jsonl(path, name="drift", column_types={"n": "string"})
    assert load_dataset(floats)["n"].tolist()[-2:] == ["2.5", "text"]
    late = tmp_path / "late.jsonl"
    late.write_text("\n".join([*rows, '{"n": 1, "new": true}']) + "\n")
    with pytest.raises(InvalidValueError, match="line 21: new field 'new'"):
        ingest_jsonl(late, name="late")
    kept = ingest_jsonl(late, name="late", columns=["n"])
    assert kept.columns == ["n"] and kept.num_rows == 21
    assert list_datasets()[0].dataset == "drift"


def test_jsonl_bad_input(sqlite_stores: Stores, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(InvalidValueError, match="no JSON objects"):
        ingest_jsonl(empty, name="empty")
    path = tmp_path / "ok.jsonl"
    path.write_text('{"a": 1}\n')
    with pytest.raises(InvalidValueError, match="on_bad_lines"):
        ingest_jsonl(path, name="x", on_bad_lines="ignore")
    with pytest.raises(InvalidValueError, match="column_types names columns"):
        ingest_jsonl(path, name="x", column_types={"zz": "int64"})
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"a": 1}\n' * 10_000 + '{"a": "é"}\n'.encode("latin-1"))
    with pytest.raises(InvalidValueError, match="latin.jsonl is not valid utf-8: byte 90,007"):
        ingest_jsonl(latin, name="latin")
    assert list_datasets() == []


# -- any format -------------------------------------------------------------------------------


def test_ingest_files_tells_the_format_by_extension(sqlite_stores: Stores, tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("x\ty\n1\t2\n")
    (tmp_path / "b.ndjson").write_text('{"x": 1}\n')
    pa_table = pa.table({"x": [1, 2]})
    pd.DataFrame(pa_table.to_pandas()).to_parquet(tmp_path / "c.pq")
    assert ingest_files(tmp_path / "a.tsv", name="a").source["kind"] == "csv"
    assert ingest_files(tmp_path / "b.ndjson", name="b").source["kind"] == "jsonl"
    assert ingest_files(tmp_path / "c.pq", name="c").source["kind"] == "parquet"
    (tmp_path / "d.data").write_text("x\n1\n")
    assert ingest_files(tmp_path / "d.data", name="d", format="csv").num_rows == 1
    with pytest.raises(InvalidValueError, match="cannot tell the format"):
        ingest_files(tmp_path / "d.data", name="d")
    with pytest.raises(InvalidValueError, match="different formats"):
        ingest_files([tmp_path / "a.tsv", tmp_path / "c.pq"], name="mixed")
    with pytest.raises(InvalidValueError, match="format must be one of"):
        ingest_files(tmp_path / "a.tsv", name="a", format="xlsx")


def test_parents_are_recorded(sqlite_stores: Stores, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    raw = loopml.log_dataset(pd.DataFrame({"x": [0]}), name="raw")
    version = ingest_csv(path, name="derived", parents=[raw], description="from raw")
    assert version.parents == [raw.id]
    with pytest.raises(NotFoundError):
        ingest_csv(path, name="orphan", parents=["no-such-version"])
    assert [d.dataset for d in list_datasets()] == ["derived", "raw"]
