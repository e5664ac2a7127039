"""Great Expectations' side of ``validate.py``: the same rules on the same data, timed.

Run by ``validate.py`` in a fresh process with the Python of ``benchmarks/.envs/great_expectations``
(GX Core from PyPI). It reads the benchmark's Parquet file with pandas, translates the rules (the
dict form ``validate.py`` writes, loopml's own) into GX expectations, and validates through GX's
documented path for an in-memory DataFrame: an ephemeral Data Context, a pandas Data Source, a
DataFrame asset with a whole-DataFrame Batch Definition, an Expectation Suite and a Validation
Definition, run with ``batch_parameters={"dataframe": df}``. Phases, each timed on its own:

- ``load_s``: reading the Parquet file into pandas (not part of validation);
- ``setup_s``: the context, data source, asset, batch definition, suite and validation definition;
- ``validate_s``: ``ValidationDefinition.run(...)``, first call in the process; ``warm_s``: a second
  call on the same data.

Prints one ``BENCH-RESULT {json}`` line: timings, and per rule whether it held and how many rows
broke it, for ``validate.py`` to compare with loopml's answers. Standard library + GX + pandas only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

RESULT_MARKER = "BENCH-RESULT "


def translate(rule: dict[str, Any], index: int) -> Any:
    """The GX expectation for one rule in loopml's dict form (the benchmark's 6 kinds)."""
    import great_expectations.expectations as gxe

    meta = {"rule_index": index}
    kind = rule["rule"]
    if kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule["column"], meta=meta)
    if kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            column=rule["column"],
            min_value=rule.get("min"),
            max_value=rule.get("max"),
            strict_min=not rule.get("min_inclusive", True),
            strict_max=not rule.get("max_inclusive", True),
            meta=meta,
        )
    if kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(
            column=rule["column"], value_set=rule["values"], meta=meta
        )
    if kind == "matches_regex":
        return gxe.ExpectColumnValuesToMatchRegex(
            column=rule["column"], regex=rule["pattern"], meta=meta
        )
    if kind == "unique" and "column" in rule:
        return gxe.ExpectColumnValuesToBeUnique(column=rule["column"], meta=meta)
    if kind == "unique":
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=rule["columns"], meta=meta)
    if kind == "mean_between":
        return gxe.ExpectColumnMeanToBeBetween(
            column=rule["column"], min_value=rule.get("min"), max_value=rule.get("max"), meta=meta
        )
    raise ValueError(f"no Great Expectations translation for rule {kind!r}")


def main() -> None:
    """Load, set up, validate twice, print the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--rules", type=Path, required=True)
    parser.add_argument("--result-format", default="SUMMARY")
    args = parser.parse_args()
    rules = json.loads(args.rules.read_text())

    import great_expectations as gx
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_parquet(args.data)
    loaded = time.perf_counter()

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas(name="bench")
    asset = source.add_dataframe_asset(name="mixed")
    batch_definition = asset.add_batch_definition_whole_dataframe("all rows")
    suite = context.suites.add(gx.ExpectationSuite(name="twenty rules"))
    for index, rule in enumerate(rules):
        suite.add_expectation(translate(rule, index))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="bench", data=batch_definition, suite=suite)
    )
    set_up = time.perf_counter()

    result = definition.run(batch_parameters={"dataframe": frame}, result_format=args.result_format)
    validated = time.perf_counter()
    definition.run(batch_parameters={"dataframe": frame}, result_format=args.result_format)
    warm = time.perf_counter()

    outcomes: list[dict[str, Any] | None] = [None] * len(rules)
    for item in result.results:
        index = int(item.expectation_config.meta["rule_index"])
        details = item.result or {}
        outcomes[index] = {
            "passed": bool(item.success),
            "failing_rows": details.get("unexpected_count"),
            "observed": details.get("observed_value"),
            "error": (item.exception_info or {}).get("exception_message")
            if not item.success
            else None,
        }
    payload = {
        "system": "great_expectations",
        "versions": {"great_expectations": gx.__version__, "pandas": pd.__version__},
        "rows": len(frame),
        "load_s": loaded - started,
        "setup_s": set_up - loaded,
        "validate_s": validated - set_up,
        "warm_s": warm - validated,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "passed": bool(result.success),
        "outcomes": outcomes,
        "pid": os.getpid(),
    }
    print(RESULT_MARKER + json.dumps(payload, default=str), flush=True)


if __name__ == "__main__":
    main()
