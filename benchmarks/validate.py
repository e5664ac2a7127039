"""Data validation speed: loopml against Great Expectations (and pandera), same rules, same data.

The issue's table, 1,000,000 rows x 20 mixed columns (``_mixed_data.py``: floats with missing
values, integers, categoricals of 5, 50 and 2,000 values, a binary target), is validated against
the same 20 rules (not-null, ranges, allowed sets, uniqueness, regex, mean bounds), written once
below in loopml's dict form and translated for each peer:

- loopml: ``loopml.data.validate(frame, rules, max_examples=20)``;
- Great Expectations (GX Core, latest from PyPI in ``benchmarks/.envs/great_expectations``): an
  ephemeral context, a pandas DataFrame asset, a suite, ``ValidationDefinition.run`` with the
  ``SUMMARY`` result format (its default: counts and up to 20 example values), see
  ``_gx_validate.py``;
- pandera (loopml's own dependency, in loopml's environment): a ``DataFrameSchema`` with the same
  checks, ``validate(frame, lazy=True)`` so that every failure is collected, as loopml does.

Six of the rules fail on purpose (a column with missing values declared not-null, a range, an
allowed set and a regex that miss real values, a non-unique column declared unique, a mean out of
bounds); every side must find exactly those six, with the same failing row counts.

Each side runs in a fresh process, reads the same Parquet file into pandas (``load_s``, untimed),
builds its rules (``setup_s``, reported), then validates twice: ``validate_s`` is the first call
(what one ``loopml data validate`` pays), ``warm_s`` the second (a process validating batch after
batch). Target (issue): Great Expectations' ``validate_s`` >= 5x loopml's.

Usage::

    .venv/bin/python benchmarks/validate.py [--repeats 3] [--json results.json]

Exits 1 when the sides disagree on which rules fail or on a failing count, or a side fails (and,
with ``--fail-on-miss``, when the target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import (
    RESULT_MARKER,
    BenchmarkError,
    loopml_source,
    print_header,
    run_helper,
)
from _mixed_data import (
    DEFAULT_ROWS,
    DEFAULT_SEED,
    PLANS,
    PRODUCTS,
    STATES,
    read_mixed_parquet,
    write_mixed_parquet,
)
from _peers import peer_python
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

HERE = Path(__file__).resolve().parent
GX_REQUIREMENTS = ("great_expectations", "pyarrow")
TARGET_RATIO = 5.0
EXAMPLES = 20  # what GX's SUMMARY result format keeps per rule
SYSTEMS = ("loopml", "pandera", "great_expectations")
LABELS = {
    "loopml": "loopml validate",
    "pandera": "pandera validate(lazy=True)",
    "great_expectations": "Great Expectations run (SUMMARY)",
}

# The 20 rules, once, in loopml's dict form; the flag says whether the rule fails on purpose.
RULES: tuple[tuple[dict[str, Any], bool], ...] = (
    ({"rule": "not_null", "column": "id"}, False),
    ({"rule": "unique", "column": "id"}, False),
    ({"rule": "between", "column": "id", "min": 1_000_000, "max": 1_999_999}, False),
    ({"rule": "not_null", "column": "plan"}, False),
    ({"rule": "in_set", "column": "plan", "values": list(PLANS)}, False),
    ({"rule": "in_set", "column": "state", "values": list(STATES)}, False),
    ({"rule": "in_set", "column": "product", "values": list(PRODUCTS)}, False),
    ({"rule": "matches_regex", "column": "product", "pattern": r"^sku_\d{4}$"}, False),
    ({"rule": "matches_regex", "column": "state", "pattern": r"^[A-Z]{2}$"}, False),
    ({"rule": "between", "column": "age", "min": 18, "max": 90}, False),
    ({"rule": "between", "column": "income", "min": 0}, False),
    ({"rule": "between", "column": "rating", "min": 1.0, "max": 5.0}, False),
    ({"rule": "in_set", "column": "target", "values": [0, 1]}, False),
    ({"rule": "mean_between", "column": "target", "min": 0.05, "max": 0.5}, False),
    # Planted failures:
    ({"rule": "not_null", "column": "income"}, True),  # 5 % missing
    ({"rule": "between", "column": "ratio", "min": 0, "max": 0.99}, True),  # ~1 % above
    ({"rule": "in_set", "column": "state", "values": list(STATES[:-1])}, True),  # no WY
    ({"rule": "unique", "column": "age"}, True),  # 73 ages for 1M rows
    ({"rule": "matches_regex", "column": "product", "pattern": r"^sku_0\d{3}$"}, True),
    ({"rule": "mean_between", "column": "temperature", "min": 25.0, "max": 30.0}, True),
)


def _emit(payload: dict[str, Any]) -> None:
    print(RESULT_MARKER + json.dumps(payload, default=str), flush=True)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _loopml_worker(data: Path, rules_path: Path) -> dict[str, Any]:
    from importlib.metadata import version

    from loopml.data import expectation_from_dict, validate

    started = time.perf_counter()
    frame = read_mixed_parquet(data)
    loaded = time.perf_counter()
    rules = [expectation_from_dict(rule) for rule in json.loads(rules_path.read_text())]
    set_up = time.perf_counter()
    report = validate(frame, rules, max_examples=EXAMPLES)
    validated = time.perf_counter()
    validate(frame, rules, max_examples=EXAMPLES)
    warm = time.perf_counter()
    return {
        "system": "loopml",
        "versions": {"loopml": version("loopml"), "pyarrow": version("pyarrow")},
        "rows": len(frame),
        "load_s": loaded - started,
        "setup_s": set_up - loaded,
        "validate_s": validated - set_up,
        "warm_s": warm - validated,
        "peak_rss_mb": _peak_rss_mb(),
        "passed": report.passed,
        "outcomes": [
            {
                "passed": result.passed,
                "failing_rows": result.failing_rows,
                "observed": result.observed,
                "error": result.message if result.status.value == "error" else None,
            }
            for result in report.results
        ],
    }


def pandera_schema(rules: Sequence[dict[str, Any]]) -> tuple[Any, dict[tuple[Any, Any], int]]:
    """The pandera schema for ``rules`` and a map from (column, check) to the rule's position.

    Checks are keyed by their position in the column's check list (pandera's ``check_number``),
    because two rules of one kind on one column (two allowed sets on ``state``) share a name.
    """
    import pandera.pandas as pa

    checks: dict[str, list[Any]] = {}
    not_null: set[str] = set()
    unique: set[str] = set()
    where: dict[tuple[Any, Any], int] = {}
    for index, rule in enumerate(rules):
        column, kind = rule.get("column"), rule["rule"]
        if kind == "not_null":
            not_null.add(column)
            where[(column, "not_nullable")] = index
            continue
        if kind == "unique":
            unique.add(column)
            where[(column, "field_uniqueness")] = index
            continue
        if kind == "between":
            low, high = rule.get("min"), rule.get("max")
            if low is not None and high is not None:
                check = pa.Check.in_range(low, high)
            else:
                check = pa.Check.ge(low) if low is not None else pa.Check.le(high)
        elif kind == "in_set":
            check = pa.Check.isin(rule["values"])
        elif kind == "matches_regex":
            check = pa.Check.str_contains(rule["pattern"])  # search, as loopml and GX do
        elif kind == "mean_between":
            low, high = rule["min"], rule["max"]
            check = pa.Check(lambda s, low=low, high=high: low <= s.mean() <= high)
        else:
            raise ValueError(f"no pandera translation for rule {kind!r}")
        where[(column, len(checks.setdefault(column, [])))] = index
        checks[column].append(check)
    columns = {
        name: pa.Column(
            checks=checks.get(name, []),
            nullable=name not in not_null,
            unique=name in unique,
            coerce=False,
        )
        for name in {*checks, *not_null, *unique}
    }
    return pa.DataFrameSchema(columns, strict=False), where


def _pandera_worker(data: Path, rules_path: Path) -> dict[str, Any]:
    from importlib.metadata import version

    import pandera.errors

    rules = json.loads(rules_path.read_text())
    started = time.perf_counter()
    frame = read_mixed_parquet(data)
    loaded = time.perf_counter()
    schema, where = pandera_schema(rules)
    set_up = time.perf_counter()

    def run() -> Any:
        try:
            schema.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as errors:
            return errors.failure_cases
        return None

    failures = run()
    validated = time.perf_counter()
    run()
    warm = time.perf_counter()
    outcomes: list[dict[str, Any]] = [
        {"passed": True, "failing_rows": 0 if rule["rule"] != "mean_between" else None}
        for rule in rules
    ]
    if failures is not None:
        counts = failures.groupby(["column", "check", "check_number"], dropna=False).size()
        for (column, check, number), count in counts.items():
            key = (column, check if number is None or number != number else int(number))
            index = where.get(key)
            if index is None:
                raise BenchmarkError(f"pandera reported a failure no rule explains: {key}")
            outcomes[index]["passed"] = False
            if rules[index]["rule"] != "mean_between":
                outcomes[index]["failing_rows"] = int(count)
    return {
        "system": "pandera",
        "versions": {"pandera": version("pandera"), "pandas": version("pandas")},
        "rows": len(frame),
        "load_s": loaded - started,
        "setup_s": set_up - loaded,
        "validate_s": validated - set_up,
        "warm_s": warm - validated,
        "peak_rss_mb": _peak_rss_mb(),
        "passed": failures is None,
        "outcomes": outcomes,
    }


def measure(system: str, *, data: Path, rules: Path, gx_python: Path, gx_format: str) -> dict:
    """One side, in a fresh process."""
    if system == "great_expectations":
        command = [str(gx_python), str(HERE / "_gx_validate.py"), "--data", str(data)]
        command += ["--rules", str(rules), "--result-format", gx_format]
        # No analytics: a benchmark sends nothing out, and GX does no extra work for it.
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "true"}
        return run_helper(command, env=env)
    command = [sys.executable, __file__, "--worker", system, "--data", str(data)]
    return run_helper(command + ["--rules", str(rules)])


def disagreements(result: dict[str, Any], reference: dict[str, Any] | None) -> list[str]:
    """Where one side's answers differ from the planted failures or from loopml's counts."""
    problems = []
    outcomes = result["outcomes"]
    for index, (rule, planted) in enumerate(RULES):
        outcome = outcomes[index] if index < len(outcomes) else None
        label = f"rule {index + 1} ({rule['rule']} {rule.get('column', '')})"
        if outcome is None:
            problems.append(f"{result['system']}: no result for {label}")
            continue
        if outcome["passed"] == planted:
            verdict = "passed" if outcome["passed"] else "failed"
            problems.append(
                f"{result['system']}: {label} {verdict}, planted to {'fail' if planted else 'pass'}"
            )
        if reference is None or outcome.get("failing_rows") is None:
            continue
        expected = reference["outcomes"][index].get("failing_rows")
        if expected is not None and outcome["failing_rows"] != expected:
            problems.append(
                f"{result['system']}: {label} has {outcome['failing_rows']:,} failing rows, "
                f"loopml {expected:,}"
            )
    return problems


def summarise(measurements: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The median of each system's phases over the repeats."""
    summary = {}
    for system in SYSTEMS:
        runs = [m for m in measurements if m["system"] == system]
        if not runs:
            continue
        summary[system] = {
            "repeats": len(runs),
            **{
                phase: statistics.median(m[phase] for m in runs)
                for phase in ("load_s", "setup_s", "validate_s", "warm_s", "peak_rss_mb")
            },
            "validate_range": [
                min(m["validate_s"] for m in runs),
                max(m["validate_s"] for m in runs),
            ],
            "versions": runs[-1]["versions"],
        }
    return summary


def repeat_ratios(measurements: Sequence[dict[str, Any]]) -> list[float]:
    """Great Expectations ÷ loopml (first validation) within each repeat, in repeat order."""
    by_repeat: dict[int, dict[str, float]] = {}
    for m in measurements:
        by_repeat.setdefault(m["repeat"], {})[m["system"]] = m["validate_s"]
    return [
        times["great_expectations"] / times["loopml"]
        for _, times in sorted(by_repeat.items())
        if {"great_expectations", "loopml"} <= set(times)
    ]


def render(summary: dict[str, dict[str, Any]], console: Console) -> None:
    """One table: the phases per system and the ratios to loopml."""
    table = Table(title="Validating 20 rules (median seconds; ratio = peer ÷ loopml)")
    for column in ("system", "validate s", "÷ loopml", "2nd call s", "÷ loopml", "setup s"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for column in ("load s (untimed)", "peak RSS MB", "target"):
        table.add_column(column, justify="right")
    ours = summary.get("loopml")
    for system, s in summary.items():
        cold = s["validate_s"] / ours["validate_s"] if ours and system != "loopml" else None
        warm = s["warm_s"] / ours["warm_s"] if ours and system != "loopml" else None
        target = ""
        if system == "great_expectations" and cold is not None:
            met = cold >= TARGET_RATIO
            verdict = "[green]met[/]" if met else "[red]MISSED[/]"
            target = f">= {TARGET_RATIO:.0f}x {verdict}"
        elif system == "pandera":
            target = "reported"
        table.add_row(
            LABELS[system],
            f"{s['validate_s']:.3f}",
            f"{cold:.1f}x" if cold else "",
            f"{s['warm_s']:.3f}",
            f"{warm:.1f}x" if warm else "",
            f"{s['setup_s']:.3f}",
            f"{s['load_s']:.3f}",
            f"{s['peak_rss_mb']:,.0f}",
            target,
        )
    console.print(table)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (defaults are the issue's)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the table")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the table")
    parser.add_argument("--repeats", type=int, default=1, help="fresh processes per system")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--no-pandera", action="store_true", help="skip the pandera column")
    parser.add_argument(
        "--gx-result-format",
        default="SUMMARY",
        choices=("BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE"),
        help="Great Expectations' result format (SUMMARY: counts and 20 examples, as loopml)",
    )
    parser.add_argument(
        "--upgrade-peers",
        action="store_true",
        help="pip install --upgrade Great Expectations before measuring",
    )
    parser.add_argument(
        "--fail-on-miss",
        action="store_true",
        help="exit 1 when the target is missed, not only when a check fails",
    )
    parser.add_argument("--worker", choices=("loopml", "pandera"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rules", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Make the data, measure every side, check the answers agree, print the table."""
    args = parse_args(argv)
    if args.worker:
        worker = _loopml_worker if args.worker == "loopml" else _pandera_worker
        _emit(worker(args.data, args.rules))
        return 0
    console = Console(width=None if sys.stdout.isatty() else 120)
    facts, source = print_header(console, "validate")
    gx_python = peer_python(
        "great_expectations",
        requirements=GX_REQUIREMENTS,
        imports=("great_expectations", "pyarrow"),
        upgrade=args.upgrade_peers,
        console=console,
    )
    systems = [s for s in SYSTEMS if not (args.no_pandera and s == "pandera")]
    measurements: list[dict[str, Any]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="loopml-bench-validate-") as tmp:
        data = Path(tmp) / "mixed.parquet"
        rules = Path(tmp) / "rules.json"
        started = time.perf_counter()
        write_mixed_parquet(data, args.rows, seed=args.seed)
        rules.write_text(json.dumps([rule for rule, _ in RULES], indent=1))
        console.print(
            f"{args.rows:,} rows x 20 columns (seed {args.seed}) written to Parquet in "
            f"{time.perf_counter() - started:.1f} s; {len(RULES)} rules, "
            f"{sum(planted for _, planted in RULES)} planted to fail"
        )
        for repeat in range(1, args.repeats + 1):
            reference = None
            for system in systems:
                console.print(
                    f"[dim]repeat {repeat}/{args.repeats} · {LABELS[system]} ...[/dim]", end=" "
                )
                try:
                    result = measure(
                        system,
                        data=data,
                        rules=rules,
                        gx_python=gx_python,
                        gx_format=args.gx_result_format,
                    )
                except BenchmarkError as exc:
                    console.print("[red]failed[/red]")
                    failures.append(str(exc))
                    continue
                result["repeat"] = repeat
                measurements.append(result)
                reference = result if system == "loopml" else reference
                problems = disagreements(result, reference)
                failures += problems
                verdict = "[green]answers agree[/green]" if not problems else "[red]DISAGREE[/red]"
                console.print(
                    f"{result['validate_s']:.3f} s (2nd call {result['warm_s']:.3f} s), {verdict}"
                )

    summary = summarise(measurements)
    render(summary, console)
    ratio = None
    if "loopml" in summary and "great_expectations" in summary:
        ratio = summary["great_expectations"]["validate_s"] / summary["loopml"]["validate_s"]
        met = ratio >= TARGET_RATIO
        console.print(
            f"Great Expectations ÷ loopml, first validation: {ratio:.1f}x (target >= "
            f"{TARGET_RATIO:.0f}x): "
            + ("[green]met[/green]" if met else "[bold red]MISSED[/bold red]")
        )
    per_repeat = repeat_ratios(measurements)
    if per_repeat:
        shown = ", ".join(f"{r:.1f}x" for r in per_repeat)
        console.print(f"Great Expectations ÷ loopml within each repeat: {shown}")
    missed = ratio is None or ratio < TARGET_RATIO
    source_changed = loopml_source()["digest"] != source["digest"]
    if source_changed:
        console.print(
            Panel(
                "loopml's source changed while the benchmark ran: run it again on a quiet tree "
                "before recording the numbers.",
                title="SOURCE CHANGED",
                style="bold yellow",
            )
        )
    if args.json is not None:
        report = {
            "benchmark": "validate",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": facts,
            "loopml_source": {**source, "changed_during_run": source_changed},
            "config": {
                "rows": args.rows,
                "seed": args.seed,
                "repeats": args.repeats,
                "gx_result_format": args.gx_result_format,
                "examples_per_rule": EXAMPLES,
                "rules": [{**rule, "planted_failure": planted} for rule, planted in RULES],
            },
            "summary": summary,
            "target": {
                "min_ratio": TARGET_RATIO,
                "ratio": ratio,
                "ratio_per_repeat": per_repeat,
                "met": not missed,
            },
            "measurements": measurements,
            "failures": failures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        console.print(f"numbers written to {args.json}")
    for failure in failures:
        console.print(Panel(failure, title="FAILED", style="bold red"))
    if failures or (args.fail_on_miss and missed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
