"""``loopml data profile``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command(s) to the ``data`` group."""
