"""What a profile reads: a dataset version, a DataFrame, an Arrow table or a file, as a DuckDB view.

Every statistic is a query on the view ``src`` of one DuckDB connection. A dataset version and a
Parquet or CSV file are scanned from disk in row groups, never loaded whole, and DuckDB works
within ``memory_limit_mb`` (spilling to a private temporary folder beyond it), which is what keeps
profiling a table larger than memory bounded. DuckDB's errors are translated here, at the adapter.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from loopml.core import InvalidValueError, NotFoundError
from loopml.data._datasets import DatasetVersion, dataset_path
from loopml.data._profile_model import ColumnKind
from loopml.store import Stores

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}
_DATETIME_PREFIXES = ("DATE", "TIMESTAMP")


ROW_NUMBER = "loopml_row_number"
"""The column of view ``src_numbered`` that tells rows apart (row number, or a row hash)."""


def quote(name: str) -> str:
    """``name`` as a DuckDB identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class SourceColumn:
    """A column of the source: its name, DuckDB type and how it is profiled."""

    name: str
    sql_type: str
    kind: ColumnKind

    @property
    def is_float(self) -> bool:
        """FLOAT or DOUBLE: may hold NaN (counted as missing) and infinities."""
        return self.sql_type in _FLOAT_TYPES

    @property
    def is_integer(self) -> bool:
        """An integer type (histogram bins may then be one unit wide)."""
        return self.sql_type in INTEGER_TYPES

    @property
    def ident(self) -> str:
        """The quoted identifier."""
        return quote(self.name)

    @property
    def value(self) -> str:
        """SQL for the column's value, NULL where missing (NaN counts as missing)."""
        if self.is_float:
            return f"nullif({self.ident}, 'NaN'::DOUBLE)"
        return self.ident

    @property
    def number(self) -> str:
        """SQL for the value as a finite DOUBLE, NULL otherwise (numeric and datetime kinds)."""
        if self.kind is ColumnKind.DATETIME:
            return f"epoch({self.ident})::DOUBLE"
        if self.is_float:
            return f"CASE WHEN isfinite({self.ident}) THEN {self.ident}::DOUBLE END"
        return f"{self.ident}::DOUBLE"


def column_kind(sql_type: str) -> ColumnKind:
    """How a DuckDB type is profiled."""
    if sql_type in INTEGER_TYPES or sql_type in _FLOAT_TYPES or sql_type.startswith("DECIMAL"):
        return ColumnKind.NUMERIC
    if sql_type == "BOOLEAN":
        return ColumnKind.BOOLEAN
    if sql_type == "VARCHAR" or sql_type.startswith("ENUM"):
        return ColumnKind.CATEGORICAL
    if sql_type.startswith(_DATETIME_PREFIXES) and not sql_type.startswith("TIME "):
        return ColumnKind.DATETIME
    return ColumnKind.OTHER


@dataclass(frozen=True)
class Source:
    """An open connection whose view ``src`` holds the data, and what is known about it."""

    connection: duckdb.DuckDBPyConnection
    columns: list[SourceColumn]
    description: dict[str, Any]
    registered: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def cursor(self) -> Iterator[Source]:
        """The same source on its own cursor, for a query on another thread (a connection is
        not shared between threads; in-memory inputs are registered on the cursor again)."""
        cursor = self.connection.cursor()
        try:
            for name, data in self.registered.items():
                cursor.register(name, data)
            yield Source(cursor, self.columns, self.description, self.registered)
        finally:
            cursor.close()

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return every row (DuckDB errors become InvalidValueError)."""
        try:
            return self.connection.execute(sql, parameters or []).fetchall()
        except duckdb.Error as exc:
            raise InvalidValueError(f"cannot profile {self.label}: {_first_line(exc)}") from exc

    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the result as a DataFrame."""
        try:
            return self.connection.execute(sql).df()
        except duckdb.Error as exc:
            raise InvalidValueError(f"cannot profile {self.label}: {_first_line(exc)}") from exc

    def arrow(self, sql: str) -> pa.Table:
        """Run ``sql`` and return the result as an Arrow table."""
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise InvalidValueError(f"cannot profile {self.label}: {_first_line(exc)}") from exc

    @property
    def label(self) -> str:
        """How errors name the data."""
        return str(self.description.get("uri") or self.description.get("path") or "the data")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_frame_columns(columns: list[Any]) -> None:
    not_strings = [c for c in columns if not isinstance(c, str)]
    if not_strings:
        raise InvalidValueError(f"columns must be named by strings; got {not_strings[:5]!r}")
    dupes = sorted(name for name, times in Counter(columns).items() if times > 1)
    if dupes:
        raise InvalidValueError(f"the data has duplicate column names: {dupes}")


def _file_view(path: Path, *, parquet: bool = False) -> tuple[str, str | None]:
    """The view of a file, and for Parquet the same with each row's number (else None)."""
    if not path.is_file():
        raise NotFoundError("file", str(path))
    literal = "'" + str(path).replace("'", "''") + "'"
    suffix = path.suffix.lower()
    if parquet or suffix in PARQUET_SUFFIXES:
        numbered = (
            f"SELECT *, file_row_number AS {ROW_NUMBER} "
            f"FROM read_parquet({literal}, file_row_number = true)"
        )
        return f"SELECT * FROM read_parquet({literal})", numbered
    if suffix in CSV_SUFFIXES:
        return f"SELECT * FROM read_csv({literal})", None
    raise InvalidValueError(
        f"cannot profile {path.name!r}: expected a Parquet ({', '.join(PARQUET_SUFFIXES)}) or "
        f"CSV ({', '.join(CSV_SUFFIXES)}) file"
    )


@contextmanager
def open_source(
    data: DatasetVersion | pd.DataFrame | pa.Table | str | Path,
    *,
    memory_limit_mb: int,
    stores: Stores | None,
) -> Iterator[Source]:
    """Open ``data`` as the view ``src`` of a fresh DuckDB connection, closed on exit; the view
    ``src_numbered`` adds :data:`ROW_NUMBER` (the sample picks rows by it).

    Raises:
        InvalidValueError: the data is of an unsupported kind, or DuckDB cannot read it.
        NotFoundError: a file that does not exist.
    """
    with ExitStack() as stack:
        spill = stack.enter_context(tempfile.TemporaryDirectory(prefix="loopml-profile-"))
        connection = duckdb.connect(
            config={
                "memory_limit": f"{memory_limit_mb}MB",
                "temp_directory": spill,
                "preserve_insertion_order": False,
            }
        )
        stack.callback(connection.close)
        # DuckDB draws its own progress bar on long queries; the CLI draws one already.
        connection.execute("SET enable_progress_bar = false")
        description: dict[str, Any]
        numbered: str | None
        registered: dict[str, Any] = {}
        if isinstance(data, DatasetVersion):
            path = stack.enter_context(dataset_path(data, stores=stores))
            # Stored by digest, without a suffix.
            view, numbered = _file_view(Path(path), parquet=True)
            description = {"kind": "dataset", "uri": data.uri, "id": data.id}
        elif isinstance(data, pd.DataFrame | pa.Table):
            names = list(data.columns) if isinstance(data, pd.DataFrame) else data.column_names
            _check_frame_columns(names)
            if not names:
                raise InvalidValueError("nothing to profile: the table has no columns")
            registered["loopml_profile_input"] = data
            try:
                connection.register("loopml_profile_input", data)
            except duckdb.Error as exc:
                raise InvalidValueError(f"cannot profile this table: {_first_line(exc)}") from exc
            view, numbered = "SELECT * FROM loopml_profile_input", None
            description = {"kind": "dataframe" if isinstance(data, pd.DataFrame) else "arrow"}
        elif isinstance(data, str | Path):
            view, numbered = _file_view(Path(data))
            description = {"kind": "file", "path": str(data)}
        else:
            raise InvalidValueError(
                "profile_dataset takes a DatasetVersion, a pandas DataFrame, a pyarrow Table or "
                f"the path of a Parquet or CSV file, not {type(data).__name__}"
            )
        source = Source(connection, [], description, registered)
        source.query(f"CREATE VIEW src AS {view}")
        described = source.query("DESCRIBE SELECT * FROM src")
        columns = [
            SourceColumn(str(row[0]), str(row[1]), column_kind(str(row[1]))) for row in described
        ]
        if not columns:
            raise InvalidValueError(f"nothing to profile: {source.label} has no columns")
        if any(column.name == ROW_NUMBER for column in columns):
            raise InvalidValueError(f"column name {ROW_NUMBER!r} is reserved by the profiler")
        if numbered is None:
            # No row numbers to be had: a hash of the whole row identifies it as well.
            every = ", ".join(column.ident for column in columns)
            numbered = f"SELECT *, hash({every}) AS {ROW_NUMBER} FROM src"
        source.query(f"CREATE VIEW src_numbered AS {numbered}")
        yield Source(connection, columns, description, registered)
