"""``loopml models list|show|versions|alias|card``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, number, print_json, table, when

app = typer.Typer(
    help="Look at registered models and move their aliases.",
    no_args_is_help=True,
    epilog="Example: loopml models alias churn champion 3",
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list", epilog="Example: loopml models list --json")
def list_models(as_json: JsonOption = False) -> None:
    """List registered models with their latest version and aliases."""
    from loopml.registry import list_models as list_registered

    models = list_registered()
    if as_json:
        print_json(models)
        return
    rows = [
        [
            m.name,
            m.latest_version or "",
            ", ".join(f"{a}→v{v}" for a, v in sorted(m.aliases.items())),
            when(m.updated_at),
            m.description,
        ]
        for m in models
    ]
    console.print(
        table(
            f"{len(models)} models", ["name", "latest", "aliases", "updated", "description"], rows
        )
    )


@app.command("show", epilog="Example: loopml models show churn")
def show_model(
    name: Annotated[str, typer.Argument(help="Model name.")],
    as_json: JsonOption = False,
) -> None:
    """Show a model and all its versions."""
    from loopml.registry import get_model, list_model_versions

    model = get_model(name)
    versions = list_model_versions(name)
    if as_json:
        print_json({"model": model, "versions": versions})
        return
    console.print(
        table(
            f"model {model.name}",
            ["field", "value"],
            [
                ["description", model.description],
                ["latest version", model.latest_version or ""],
                ["aliases", ", ".join(f"{a}→v{v}" for a, v in sorted(model.aliases.items()))],
                ["tags", ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items()))],
                ["created", when(model.created_at)],
            ],
        )
    )
    _print_versions(versions)


@app.command("versions", epilog="Example: loopml models versions churn")
def list_versions(
    name: Annotated[str, typer.Argument(help="Model name.")],
    as_json: JsonOption = False,
) -> None:
    """List the versions of a model, newest last."""
    from loopml.registry import list_model_versions

    versions = list_model_versions(name)
    if as_json:
        print_json(versions)
        return
    _print_versions(versions)


@app.command(
    "alias",
    epilog=(
        "Examples: loopml models alias churn champion 3  |  "
        "loopml models alias churn champion --delete"
    ),
)
def alias(
    name: Annotated[str, typer.Argument(help="Model name.")],
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help="Alias, e.g. champion.")],
    version: Annotated[
        int | None, typer.Argument(help="Version the alias should point at.")
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the alias.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Point an alias at a version (atomically), or remove it."""
    from loopml.core import InvalidValueError
    from loopml.registry import delete_alias, set_alias

    if delete:
        if version is not None:
            raise InvalidValueError("give either a VERSION or --delete, not both")
        delete_alias(name, alias_name)
        result: dict[str, object] = {"model": name, "alias": alias_name, "deleted": True}
        message = f"removed alias {alias_name!r} of model {name!r}"
    else:
        if version is None:
            raise InvalidValueError("give the VERSION the alias should point at (or --delete)")
        target = set_alias(name, alias_name, version=version)
        result = {"model": name, "alias": alias_name, "version": target.version}
        message = f"{name}@{alias_name} → version {target.version}"
    if as_json:
        print_json(result)
    else:
        console.print(message)


@app.command(
    "card",
    epilog=(
        "Examples: loopml models card churn 3  |  loopml models card churn 3 -o card.html  |  "
        "loopml models card churn 3 -o card.md"
    ),
)
def card(
    name: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[int, typer.Argument(help="Version number.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the card here: HTML, or Markdown for a .md file."),
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Write Markdown to --out whatever its suffix.")
    ] = False,
) -> None:
    """Print the model card of a version (Markdown), or write it to a file."""
    from loopml.core import write_text_atomically
    from loopml.evaluation import load_model_card

    if out is None:
        # Plain print: the Markdown is the output, not something for rich to restyle.
        print(load_model_card(name, version), end="")
        return
    as_markdown = markdown or out.suffix.lower() in (".md", ".markdown")
    text = load_model_card(name, version, fmt="markdown" if as_markdown else "html")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out, text)
    console.print(f"model card of {name} v{version} written to {out}")


def _print_versions(versions: list) -> None:  # type: ignore[type-arg]
    metric_names = sorted({k for v in versions for k in v.metrics})[:6]
    rows = [
        [
            v.version,
            v.flavor,
            ", ".join(v.aliases),
            (v.source_run_id or "")[:12],
            when(v.created_at),
            *(number(v.metrics.get(k)) for k in metric_names),
        ]
        for v in versions
    ]
    headers = ["version", "flavor", "aliases", "source run", "created", *metric_names]
    console.print(table(f"{len(versions)} versions", headers, rows))
