"""Tuning: loopml's tuner against plain Optuna and against Optuna + MLflow, in one run.

50 trials of LightGBM (3-fold CV, one thread per fit) on breast cancer (569 x 30) and on a
50,000 x 30 synthetic set, the same TPE seed and the same objective code on every side
(``_mlflow_tuning.py`` holds the workload):

- **loopml**: ``loopml.training.tune`` (a parent run, a nested run per trial with its params and
  score, the HTML report and trials CSV on the parent), workers=1, and workers=2 on the larger set;
- **Optuna**: plain Optuna, in-memory storage, no tracking (loopml's environment: same Optuna);
- **Optuna + MLflow**: a nested MLflow run per trial with its params and score, SQLite tracking
  store, latest MLflow from PyPI in ``benchmarks/.envs/mlflow``.

Every measurement is a fresh process; the repeats go round-robin over the sides (repeat 1 of
every side, then repeat 2...) and each side's median counts. Timed: from creating the study to
the end of the tuning (for loopml everything ``tune`` does, report included; opening the stores
is not timed, as creating MLflow's tables is not). Checks: loopml's trial scores equal plain
Optuna's one for one.

Targets (issue): loopml's added cost per trial <= 10 ms over plain Optuna; loopml faster than
Optuna + MLflow on both sets; 2 workers >= 1.8x the trial throughput of 1 worker on the larger set.

Usage::

    .venv/bin/python benchmarks/tuning.py [--trials 50] [--repeats 1] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import BenchmarkError, loopml_source, machine, run_helper
from _peers import peer_python
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
MLFLOW_REQUIREMENTS = ("mlflow", "optuna", "lightgbm", "scikit-learn")
MLFLOW_IMPORTS = ("mlflow", "optuna", "lightgbm", "sklearn")
MAX_OVERHEAD_MS = 10.0
MIN_WORKER_SPEEDUP = 1.8
LARGER = "synthetic_50k"


def loopml_side(dataset: str, trials: int, workers: int) -> None:
    """Measure loopml's tuner in this process (a fresh LOOPML_HOME) and print the result."""
    import warnings

    import _mlflow_tuning as workload
    import optuna

    from loopml.core import Settings
    from loopml.store import Stores
    from loopml.training import TuningTrial, tune

    warnings.filterwarnings("ignore")
    # As the Optuna sides do (``_mlflow_tuning.main``): no INFO line per trial on stderr.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    features, target = workload.load(dataset)

    def objective(trial: TuningTrial) -> float:
        return workload.cv_score(trial.params, features, target)

    with tempfile.TemporaryDirectory() as scratch:
        stores = Stores.from_settings(Settings(home=Path(scratch) / "home")).open()
        started = time.perf_counter()
        result = tune(
            objective,
            space=workload.SPACE,
            n_trials=trials,
            sampler="tpe",
            seed=workload.SEED,
            workers=workers,
            stores=stores,
        )
        elapsed = time.perf_counter() - started
        ordered = result.trials.sort_values("number")
        workload.emit(
            {
                "side": "loopml" if workers == 1 else f"loopml {workers} workers",
                "dataset": dataset,
                "trials": len(ordered),
                "seconds": elapsed,
                "best_value": result.best_value,
                "values": [float(v) for v in ordered["value"]],
            }
        )
        stores.metadata.dispose()


def measure(side: str, dataset: str, trials: int, mlflow_python: Path | None) -> dict[str, Any]:
    """One side on one data set, in a fresh process."""
    if side.startswith("loopml"):
        workers = "2" if side.endswith("2 workers") else "1"
        command = [sys.executable, __file__, "--side", "loopml", "--dataset", dataset]
        command += ["--trials", str(trials), "--workers", workers]
        return run_helper(command)
    helper = [str(HERE / "_mlflow_tuning.py"), "--dataset", dataset, "--trials", str(trials)]
    if side == "optuna":
        return run_helper([sys.executable, *helper, "--tracking", "none"])
    assert mlflow_python is not None
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    return run_helper([str(mlflow_python), *helper, "--tracking", "mlflow"], env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1, help="the median of this many runs")
    parser.add_argument("--datasets", nargs="+", default=["breast_cancer", LARGER])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a target misses")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "loopml":
        loopml_side(args.dataset, args.trials, args.workers)
        return 0

    console = Console()
    mlflow_python = peer_python(
        "mlflow", requirements=MLFLOW_REQUIREMENTS, imports=MLFLOW_IMPORTS, console=console
    )
    results: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for dataset in args.datasets:
        sides = ["optuna", "loopml", "optuna+mlflow"]
        if dataset == LARGER:
            sides.append("loopml 2 workers")
        by_side: dict[str, dict[str, Any]] = {}
        measured: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        # Round-robin: repeat r of every side before repeat r + 1 of any, so a busy spell on
        # the shared machine lands on all sides alike instead of on whichever ran then.
        for repeat in range(args.repeats):
            for side in sides:
                console.print(
                    f"[bold]{dataset}[/bold]: {side} ({args.trials} trials), "
                    f"repeat {repeat + 1} of {args.repeats} ..."
                )
                try:
                    measured[side].append(measure(side, dataset, args.trials, mlflow_python))
                except BenchmarkError as failure:
                    console.print(f"[red]{failure}[/red]")
                    return 1
                console.print(f"  {measured[side][-1]['seconds']:.2f} s")
        for side in sides:
            repeats = sorted(measured[side], key=lambda result: result["seconds"])
            # The median repeat: the machine is shared, and one slow outlier should not decide.
            by_side[side] = {
                **repeats[len(repeats) // 2],
                "all_seconds": [round(r["seconds"], 3) for r in measured[side]],
            }
            results.append(by_side[side])
        plain, ours, peer = by_side["optuna"], by_side["loopml"], by_side["optuna+mlflow"]
        same = plain["values"] == ours["values"]
        checks.append({"dataset": dataset, "loopml_scores_equal_plain_optuna": same})
        overhead_ms = (ours["seconds"] - plain["seconds"]) / args.trials * 1000
        mlflow_ms = (peer["seconds"] - plain["seconds"]) / args.trials * 1000
        targets.append(
            {
                "dataset": dataset,
                "target": f"loopml added cost per trial <= {MAX_OVERHEAD_MS:g} ms",
                "value": round(overhead_ms, 2),
                "met": overhead_ms <= MAX_OVERHEAD_MS,
                "mlflow_added_ms_per_trial": round(mlflow_ms, 2),
            }
        )
        targets.append(
            {
                "dataset": dataset,
                "target": "loopml faster than Optuna + MLflow",
                "value": round(peer["seconds"] / ours["seconds"], 3),
                "met": ours["seconds"] < peer["seconds"],
            }
        )
        if "loopml 2 workers" in by_side:
            speedup = ours["seconds"] / by_side["loopml 2 workers"]["seconds"]
            targets.append(
                {
                    "dataset": dataset,
                    "target": f"2 workers >= {MIN_WORKER_SPEEDUP}x the throughput of 1",
                    "value": round(speedup, 3),
                    "met": speedup >= MIN_WORKER_SPEEDUP,
                }
            )

    table = Table(title=f"Tuning: {args.trials} trials of LightGBM, 3-fold CV")
    for column in ("data set", "side", "seconds", "ms / trial", "best ROC AUC"):
        table.add_column(column)
    for result in results:
        table.add_row(
            result["dataset"],
            result["side"],
            f"{result['seconds']:.2f}",
            f"{result['seconds'] / result['trials'] * 1000:.1f}",
            f"{result['best_value']:.5f}",
        )
    console.print(table)
    for check in checks:
        mark = (
            "[green]yes[/green]" if check["loopml_scores_equal_plain_optuna"] else "[red]NO[/red]"
        )
        console.print(f"{check['dataset']}: loopml's trial scores equal plain Optuna's: {mark}")
    for target in targets:
        mark = "[green]met[/green]" if target["met"] else "[red]MISSED[/red]"
        extra = (
            f" (MLflow adds {target['mlflow_added_ms_per_trial']} ms)"
            if "mlflow_added_ms_per_trial" in target
            else ""
        )
        console.print(f"{target['dataset']}: {target['target']}: {target['value']}{extra} {mark}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "tuning",
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": machine(),
                    "loopml": loopml_source(),
                    "results": [{k: v for k, v in r.items() if k != "values"} for r in results],
                    "checks": checks,
                    "targets": targets,
                },
                indent=2,
            )
        )
    if not all(check["loopml_scores_equal_plain_optuna"] for check in checks):
        return 1
    if args.fail_on_miss and not all(target["met"] for target in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
