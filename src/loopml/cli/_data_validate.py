"""``loopml data validate``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command(s) to the ``data`` group."""
