"""``loopml db upgrade|status``: the metadata store's schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from loopml.cli._render import console, print_json

if TYPE_CHECKING:
    from loopml.store import MetadataStore

app = typer.Typer(
    help="Manage the metadata database schema.",
    no_args_is_help=True,
    epilog="Example: loopml db upgrade",
)


def _store() -> MetadataStore:
    from loopml.core import Settings
    from loopml.store import MetadataStore

    return MetadataStore(Settings.from_env().resolved_db_url)


@app.command(
    "upgrade", epilog="Example: LOOPML_DB_URL=postgresql+psycopg://me@db/loopml loopml db upgrade"
)
def upgrade() -> None:
    """Apply every schema migration the database does not have yet (safe to repeat)."""
    store = _store()
    before = store.current_revision()
    store.upgrade()
    after = store.current_revision()
    if before == after:
        console.print(f"{store!r} is already at schema {after}")
    else:
        console.print(f"{store!r} upgraded from {before or '(empty)'} to {after}")


@app.command("status", epilog="Example: loopml db status --json")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the database's schema revision and the one this loopml needs."""
    store = _store()
    current, head = store.current_revision(), store.head_revision()
    result = {
        "database": repr(store),
        "current": current,
        "head": head,
        "up_to_date": current == head,
    }
    if as_json:
        print_json(result)
    else:
        state = "up to date" if current == head else "needs `loopml db upgrade`"
        console.print(
            f"{store!r}: schema {current or '(empty)'}, this loopml needs {head} — {state}"
        )
