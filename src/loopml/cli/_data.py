"""``loopml data ...``: bring data in, check it, clean it, look at it, split it.

Each command lives in its own module (``_data_<command>.py``) with a ``register(app)``
function, so the commands grow independently.
"""

from __future__ import annotations

import typer

from loopml.cli import _data_clean, _data_ingest, _data_profile, _data_split, _data_validate

app = typer.Typer(
    help="Collect, validate, clean, profile and split datasets.",
    no_args_is_help=True,
    epilog="Example: loopml data ingest csv customers.csv --name customers",
)

for _module in (_data_ingest, _data_validate, _data_clean, _data_profile, _data_split):
    _module.register(app)
