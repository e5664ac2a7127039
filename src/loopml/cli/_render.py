"""Output for the CLI: rich tables for people, JSON (``--json``) for programs."""

from __future__ import annotations

import dataclasses
import enum
import math
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table


def _width() -> int | None:
    # Piped output has no terminal to size against; rich would wrap at 80 columns and split ids.
    if sys.stdout.isatty():
        return None
    return int(os.environ.get("COLUMNS", "200"))


console = Console(width=_width())
error_console = Console(stderr=True, width=_width())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON (NaN as null, ±inf as strings, dataclasses as objects)."""
    data = orjson.dumps(
        _plain(value), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str
    )
    print(data.decode())


def when(ms: int | None) -> str:
    """Milliseconds since the epoch as local ``YYYY-MM-DD HH:MM:SS`` ('' for None)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: int | None, end: int | None) -> str:
    """A run's duration as ``1.2s`` / ``3m04s`` ('' while it runs)."""
    if start is None or end is None:
        return ""
    seconds = (end - start) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"


def number(value: Any) -> str:
    """A metric value, compact (4 significant digits for floats)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4g}"
    return "" if value is None else str(value)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A rich table with the given header and rows (cells converted with ``str``)."""
    result = Table(title=title, header_style="bold", title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result
