"""Identifiers for records: random, URL-safe and sortable by creation time."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """Return a 32-character hex id whose first 12 characters are the creation time in ms.

    Time-ordered ids keep B-tree inserts local (fast on large tables) and make ``ORDER BY id``
    a creation-order sort, while the 80 random bits make collisions across processes negligible.
    """
    return f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"


def now_ms() -> int:
    """The current time as integer milliseconds since the epoch (what every record stores)."""
    return int(time.time() * 1000)
