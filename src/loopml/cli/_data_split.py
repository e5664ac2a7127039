"""``loopml data split``: train / validation / test parts of a dataset version, recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from loopml.cli._render import console, print_json, table

if TYPE_CHECKING:
    from loopml.data import Split

_EXAMPLE = (
    "Example: loopml data split customers --strategy stratified --stratify-by churned "
    "--ratios 0.7,0.15,0.15 --seed 0"
)


def _parse_ratios(text: str) -> list[float]:
    from loopml.core import InvalidValueError

    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidValueError(
            f"--ratios takes numbers separated by commas, like 0.7,0.15,0.15; got {text!r}"
        ) from None


def _summary(split: Split) -> dict[str, Any]:
    total = sum(v.num_rows for v in split.parts.values())
    return {
        "source": split.source.uri,
        "strategy": split.strategy,
        "seed": split.seed,
        "ratios": list(split.ratios),
        "parts": [
            {
                "part": part,
                "uri": version.uri,
                "id": version.id,
                "rows": version.num_rows,
                "share": version.num_rows / total,
                **({"classes": split.class_counts[part]} if split.class_counts else {}),
            }
            for part, version in split.parts.items()
        ],
    }


def _balance(classes: dict[str, int]) -> str:
    rows = sum(classes.values())
    return ", ".join(f"{label}: {n:,} ({n / rows:.1%})" for label, n in classes.items())


def split(
    dataset: Annotated[str, typer.Argument(help="Name of the dataset to split.")],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version to split (default: latest).")
    ] = None,
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help="random, stratified, grouped or time.")
    ] = "random",
    ratios: Annotated[
        str,
        typer.Option(
            "--ratios", help="train,validation,test shares adding up to 1 (or train,test)."
        ),
    ] = "0.7,0.15,0.15",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    stratify_by: Annotated[
        str | None, typer.Option("--stratify-by", help="Class column (stratified).")
    ] = None,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="Group column kept whole (grouped).")
    ] = None,
    time_by: Annotated[
        str | None, typer.Option("--time-by", help="Time column, latest rows last (time).")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column whose values may not span parts.")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Prefix of the part datasets (default: DATASET)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Split a dataset version into train, validation and test, recorded as dataset versions.

    The parts become versions of DATASET.train, DATASET.validation and DATASET.test.
    """
    from loopml.data import get_dataset, split_dataset

    result = split_dataset(
        get_dataset(dataset, version),
        strategy=strategy,  # type: ignore[arg-type]  # checked by split_dataset
        ratios=_parse_ratios(ratios),
        seed=seed,
        stratify_by=stratify_by,
        group_by=group_by,
        time_by=time_by,
        id_column=id_column,
        name=name,
    )
    summary = _summary(result)
    if as_json:
        print_json(summary)
        return
    columns = ["part", "dataset", "rows", "share"]
    if result.class_counts:
        columns.append(f"classes of {stratify_by}")
    rows = [
        [
            part["part"],
            part["uri"],
            f"{part['rows']:,}",
            f"{part['share']:.1%}",
            *([_balance(part["classes"])] if "classes" in part else []),
        ]
        for part in summary["parts"]
    ]
    title = f"{result.strategy} split of {result.source.uri} (seed {result.seed})"
    console.print(table(title, columns, rows))


def register(app: typer.Typer) -> None:
    """Add the ``split`` command(s) to the ``data`` group."""
    app.command("split", epilog=_EXAMPLE)(split)
